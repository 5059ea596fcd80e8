/**
 * A sweep on a BullMQ job queue: each run of the grid is a job whose id is the sweep's key (its
 * configuration and folder) and the run's folder name, so enqueueing twice adds nothing. Jobs carry the sweep folder's path,
 * which every worker must see (a shared filesystem), and the sweep's key, which the folder's
 * sweep.json must match. A run that throws is retried twice, then stays failed with its reason;
 * a worker that dies leaves its job stalled, and another worker resumes it from the run's
 * newest checkpoint (the bit-identical resume of tltc train).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { runDirOf } from '../experiments/sweep.ts';
import { expandSweep, parseSweepConfig, type SweepConfig } from '../experiments/sweep_config.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { checkReachable, connectionOptions, parseQueueUrl, QUEUE_NAME } from './connection.ts';

export interface RunJob {
  /** The sweep folder, as every worker sees it. */
  outDir: string;
  sweepKey: string;
  runId: string;
}

/** Attempts of a failing run before it stays failed. */
export const RUN_ATTEMPTS = 3;

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** Whether two sweep files describe the same grid. */
export const sameSweep = (a: SweepConfig, b: SweepConfig) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Which sweep a job belongs to: a short, stable hash of the configuration and the folder, so the
 * same grid queued into two folders is two sets of jobs.
 */
export function sweepKey(sweep: SweepConfig, outDir: string): string {
  return shortHash(`${JSON.stringify(sweep)}\n${path.resolve(outDir)}`);
}

export const jobIdOf = (key: string, runId: string) => `${key}-${runId}`;

/** The sweep that `outDir/sweep.json` holds, or null without one. */
export function sweepIn(outDir: string): SweepConfig | null {
  const file = path.join(outDir, 'sweep.json');
  if (!existsSync(file)) return null;
  return parseSweepConfig((JSON.parse(readFileSync(file, 'utf8')) as { sweep: unknown }).sweep, file);
}

/** Writes the sweep's sweep.json (no runs yet) unless the folder holds it; refuses a folder of another sweep. */
function claimFolder(sweep: SweepConfig, outDir: string): void {
  const held = sweepIn(outDir);
  if (held && !sameSweep(held, sweep)) throw new Error(`${path.join(outDir, 'sweep.json')} holds another sweep: choose another --out`);
  if (!held) writeFileAtomic(path.join(outDir, 'sweep.json'), `${JSON.stringify({ sweep, runs: [] }, null, 2)}\n`);
}

/** Enqueues every run not yet finished; returns how many jobs were added and how many were there already. */
export async function enqueueSweep(sweep: SweepConfig, outDir: string, url: string): Promise<{ queue: string; sweep_key: string; added: string[]; already_queued: string[]; finished: string[] }> {
  const q = parseQueueUrl(url);
  const dir = path.resolve(outDir);
  const held = sweepIn(dir);
  if (held && !sameSweep(held, sweep)) throw new Error(`${path.join(dir, 'sweep.json')} holds another sweep: choose another --out`);
  await checkReachable(q);
  claimFolder(sweep, dir);
  const key = sweepKey(sweep, dir);
  const queue = new Queue<RunJob>(QUEUE_NAME, { connection: connectionOptions(q) });
  const result = { queue: q.url, sweep_key: key, added: [] as string[], already_queued: [] as string[], finished: [] as string[] };
  try {
    for (const run of expandSweep(sweep)) {
      if (existsSync(path.join(runDirOf(dir, run.id), 'summary.json'))) {
        result.finished.push(run.id);
        continue;
      }
      const id = jobIdOf(key, run.id);
      if (await queue.getJob(id)) result.already_queued.push(run.id);
      else {
        await queue.add('run', { outDir: dir, sweepKey: key, runId: run.id }, { jobId: id, attempts: RUN_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
        result.added.push(run.id);
      }
    }
  } finally {
    await queue.close();
  }
  return result;
}
