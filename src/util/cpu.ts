/**
 * The CPU a speed figure was measured on: its model and the instruction sets that decide how
 * fast int8 and 4-bit kernels run. Without VNNI, x86 multiplies uint8 x int8 through AVX2's
 * saturating `vpmaddubsw` (hence tltc's 7-bit int8 codes); with AVX-512 VNNI or AVX-VNNI one
 * instruction accumulates the products in 32 bits. Read from /proc/cpuinfo; elsewhere 'unknown'.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

export type Isa = 'avx512-vnni' | 'avx-vnni' | 'avx512' | 'avx2' | 'other' | 'unknown';

export interface CpuProfile {
  model: string;
  cores: number;
  /** The flags that matter for tltc's kernels, as /proc/cpuinfo names them, present ones only. */
  flags: string[];
  /** The best int8 path the flags allow. */
  isa: Isa;
}

const FLAGS_THAT_MATTER = ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'amx_int8', 'f16c'];

/** The profile of a /proc/cpuinfo text. */
export function cpuProfileOf(cpuinfo: string, cores: number): CpuProfile {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1].trim();
  const all = new Set((field('flags') ?? '').split(/\s+/));
  const flags = FLAGS_THAT_MATTER.filter((f) => all.has(f));
  const has = (f: string) => all.has(f);
  const isa: Isa = has('avx512_vnni') ? 'avx512-vnni' : has('avx_vnni') ? 'avx-vnni' : has('avx512bw') ? 'avx512' : has('avx2') ? 'avx2' : all.size > 1 ? 'other' : 'unknown';
  return { model: field('model name') ?? 'unknown', cores, flags, isa };
}

let cached: CpuProfile | undefined;

/** This machine's profile. */
export function cpuProfile(): CpuProfile {
  if (!cached) {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    cached = existsSync('/proc/cpuinfo') ? cpuProfileOf(readFileSync('/proc/cpuinfo', 'utf8'), cores) : { model: os.cpus()[0]?.model ?? 'unknown', cores, flags: [], isa: 'unknown' };
  }
  return cached;
}

/** Whether the machine accumulates uint8 x int8 products without saturating (VNNI). */
export const hasVnni = (p: CpuProfile) => p.isa === 'avx512-vnni' || p.isa === 'avx-vnni';
