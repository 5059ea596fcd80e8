/**
 * `tltc worker --queue URL`: takes runs from the queue and trains them (resuming a run a dead
 * worker left), or a pretrained run's downstream grid (downstream_queue.ts), `concurrency` at a time with `threads` intra-op threads each. BullMQ renews a
 * job's lock while its run trains; a worker killed mid-run stops renewing, the job is found
 * stalled after `lockMs` and handed to another worker. The run folder's own lease lock
 * (train/lock.ts) keeps two trainers out of one run whatever the queue does.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import { rebuildSweepSummary, runDirOf } from '../experiments/sweep.ts';
import { expandSweep } from '../experiments/sweep_config.ts';
import { train } from '../train/trainer.ts';
import { checkReachable, connectionOptions, parseQueueUrl, QUEUE_NAME } from './connection.ts';
import { sweepIn, sweepKey, type RunJob } from './sweep_queue.ts';
import { processDownstreamJob, type DownstreamJob } from './downstream_queue.ts';

export interface WorkerOptions {
  concurrency?: number;
  threads?: number;
  quiet?: boolean;
  /** How long a job's lock lasts unrenewed: a dead worker's run is retried after this (default 30 s). */
  lockMs?: number;
  /** Stops after this many runs completed or failed for good (tests and one-shot workers); default: until stopped. */
  maxRuns?: number;
  log?: (line: string) => void;
}

/** The run a job names, refused in one line when this machine does not see the job's sweep folder. */
function runOf(job: Job<RunJob>) {
  const { outDir, runId } = job.data;
  const sweep = sweepIn(outDir);
  if (!sweep) throw new Error(`this worker (${os.hostname()}) sees no ${path.join(outDir, 'sweep.json')}: mount the shared sweep folder at the same path on every worker`);
  if (sweepKey(sweep, outDir) !== job.data.sweepKey) throw new Error(`${path.join(outDir, 'sweep.json')} holds another sweep than the one this job was queued from: the folder was reused`);
  const run = expandSweep(sweep).find((r) => r.id === runId);
  if (!run) throw new Error(`${path.join(outDir, 'sweep.json')} has no run ${runId}`);
  return { sweep, run, dir: runDirOf(outDir, run.id) };
}

export async function runWorker(url: string, o: WorkerOptions = {}): Promise<{ runs: number }> {
  const q = parseQueueUrl(url);
  await checkReachable(q);
  const log = o.log ?? ((line: string) => o.quiet || process.stderr.write(`${line}\n`));
  let runs = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const lockMs = o.lockMs ?? 30_000;
  const worker = new Worker<RunJob | DownstreamJob>(
    QUEUE_NAME,
    async (job) => {
      if ('kind' in job.data && job.data.kind === 'downstream') {
        log(`worker ${os.hostname()}:${process.pid}: downstream grid of ${job.data.runId}, attempt ${job.attemptsMade + 1}`);
        await processDownstreamJob(job as Job<DownstreamJob>, log, o.quiet);
        return { downstream: job.data.runId };
      }
      const { sweep, run, dir } = runOf(job as Job<RunJob>);
      const resume = existsSync(path.join(dir, 'run.json'));
      log(`worker ${os.hostname()}:${process.pid}: ${run.id}${resume ? ' (resuming)' : ''}, attempt ${job.attemptsMade + 1}`);
      const config = o.threads ? { ...run.config, threads: o.threads } : run.config;
      if (!existsSync(path.join(dir, 'summary.json'))) await train(config, { outDir: dir, resume, quiet: o.quiet });
      rebuildSweepSummary(sweep, job.data.outDir);
      return { run: run.id };
    },
    { connection: connectionOptions(q), concurrency: o.concurrency ?? 1, lockDuration: lockMs, stalledInterval: lockMs, maxStalledCount: 2 },
  );
  // A run is done when it completed or failed its last attempt.
  const ended = () => {
    runs++;
    if (o.maxRuns !== undefined && runs >= o.maxRuns) finish();
  };
  worker.on('completed', ended);
  worker.on('failed', (job, err) => {
    log(`worker: ${job?.data.runId ?? 'a run'} failed: ${err.message.split('\n')[0]}`);
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) ended();
  });
  worker.on('error', (err) => log(`worker: ${err.message.split('\n')[0]}`));
  const stop = () => finish();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await done;
  await worker.close();
  return { runs };
}
