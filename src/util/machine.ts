/** What a result was measured on: recorded with every run and benchmark. */
import os from 'node:os';
import ort from 'onnxruntime-node';
import { cpuProfile } from './cpu.ts';

export function machineInfo(threads: number): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    // The instruction sets int8 and 4-bit speed depends on (cpu.ts).
    cpu_flags: cpuProfile().flags,
    isa: cpuProfile().isa,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    threads,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntime: ort.env.versions?.node ?? 'unknown',
  };
}
