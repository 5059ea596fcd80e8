/**
 * `tltc downstream --queue URL`: the downstream grid on the job queue, one job per pretrained
 * run (its fine-tuning and every compression of it, which share one fp32 reference measurement,
 * so they stay together). The options go to `OUT/downstream-queue.json`, which every worker
 * reads from the shared folder; the worker that finishes the last run writes downstream.json,
 * retraining nothing (runDownstream skips what exists).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue, type Job } from 'bullmq';
import { downstreamFromSweep, downstreamRuns, runDownstream, type SweepDownstreamOptions } from '../experiments/downstream.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { checkReachable, connectionOptions, parseQueueUrl, QUEUE_NAME } from './connection.ts';
import { RUN_ATTEMPTS } from './sweep_queue.ts';

/** The options of a queued grid as JSON: everything but the logger. */
export type QueuedDownstream = Omit<SweepDownstreamOptions, 'log'>;

export interface DownstreamJob {
  kind: 'downstream';
  outDir: string;
  key: string;
  runId: string;
}

export const DOWNSTREAM_QUEUE_FILE = 'downstream-queue.json';

const keyOf = (o: QueuedDownstream, outDir: string) => createHash('sha256').update(`${JSON.stringify(o)}\n${outDir}`).digest('hex').slice(0, 12);

/** Enqueues a job per pretrained run not yet complete; returns the runs added and those already queued. */
export async function enqueueDownstream(options: SweepDownstreamOptions, url: string): Promise<{ added: string[]; already_queued: string[] }> {
  const q = parseQueueUrl(url);
  const outDir = path.resolve(options.outDir);
  const { log: _log, ...rest } = options;
  const queued: QueuedDownstream = { ...rest, sweepDir: path.resolve(options.sweepDir), outDir };
  const file = path.join(outDir, DOWNSTREAM_QUEUE_FILE);
  if (existsSync(file) && readFileSync(file, 'utf8') !== `${JSON.stringify(queued, null, 2)}\n`) throw new Error(`${file} holds another downstream grid: choose another --out`);
  const runs = downstreamRuns(queued);
  await checkReachable(q);
  writeFileAtomic(file, `${JSON.stringify(queued, null, 2)}\n`);
  const key = keyOf(queued, outDir);
  const queue = new Queue<DownstreamJob>(QUEUE_NAME, { connection: connectionOptions(q) });
  const result = { added: [] as string[], already_queued: [] as string[] };
  try {
    for (const run of runs) {
      const id = `${key}-downstream-${run.id}`;
      if (await queue.getJob(id)) result.already_queued.push(run.id);
      else {
        await queue.add('downstream', { kind: 'downstream', outDir, key, runId: run.id }, { jobId: id, attempts: RUN_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
        result.added.push(run.id);
      }
    }
  } finally {
    await queue.close();
  }
  return result;
}

/** Whether every compression of every run has its compress.json. */
function gridComplete(o: QueuedDownstream): boolean {
  return downstreamRuns(o).every((run) => o.grid.every((g) => existsSync(path.join(o.outDir, 'compress', `${run.id}-${g.name}`, 'compress.json'))));
}

/** A worker's downstream job: the run's fine-tuning and compressions, then downstream.json if the grid is complete. */
export async function processDownstreamJob(job: Job<DownstreamJob>, log: (line: string) => void, quiet?: boolean): Promise<void> {
  const file = path.join(job.data.outDir, DOWNSTREAM_QUEUE_FILE);
  if (!existsSync(file)) throw new Error(`this worker sees no ${file}: mount the shared folder at the same path on every worker`);
  const o = JSON.parse(readFileSync(file, 'utf8')) as QueuedDownstream;
  if (keyOf(o, job.data.outDir) !== job.data.key) throw new Error(`${file} holds another grid than the one this job was queued from: the folder was reused`);
  const run = downstreamRuns(o).find((r) => r.id === job.data.runId);
  if (!run) throw new Error(`the sweep ${o.sweepDir} has no run ${job.data.runId}`);
  await runDownstream({ ...o, runs: [run], log, quiet });
  if (gridComplete(o)) await downstreamFromSweep({ ...o, log, quiet });
}

/** `tltc downstream --status --queue URL --out OUT`: each pretrained run's job state, and whether downstream.json is written. */
export async function downstreamStatus(url: string, outDir: string): Promise<{ runs: { id: string; state: string; attempts: number; failed_reason?: string }[]; downstream_json: boolean }> {
  const q = parseQueueUrl(url);
  const dir = path.resolve(outDir);
  const file = path.join(dir, DOWNSTREAM_QUEUE_FILE);
  if (!existsSync(file)) throw new Error(`${file} does not exist: pass the --out of tltc downstream --queue`);
  await checkReachable(q);
  const o = JSON.parse(readFileSync(file, 'utf8')) as QueuedDownstream;
  const key = keyOf(o, dir);
  const queue = new Queue(QUEUE_NAME, { connection: connectionOptions(q) });
  try {
    const runs = [];
    for (const run of downstreamRuns(o)) {
      const job = await queue.getJob(`${key}-downstream-${run.id}`);
      runs.push({ id: run.id, state: job ? await job.getState() : 'not queued', attempts: job?.attemptsMade ?? 0, ...(job?.failedReason ? { failed_reason: job.failedReason.split('\n')[0] } : {}) });
    }
    return { runs, downstream_json: existsSync(path.join(dir, 'downstream.json')) };
  } finally {
    await queue.close();
  }
}
