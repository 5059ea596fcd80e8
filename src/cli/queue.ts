/** `tltc sweep` on a job queue (--queue, --status) and `tltc worker`: src/queue, docs/DISTRIBUTED.md. */
import type { Command } from 'commander';
import { readSweepConfig } from '../experiments/sweep_config.ts';
import { runSweep } from '../experiments/sweep.ts';
import { sweepStatus } from '../queue/status.ts';
import { enqueueSweep } from '../queue/sweep_queue.ts';
import { runWorker } from '../queue/worker.ts';
import { positiveInt, positiveNumber } from './errors.ts';

interface SweepFlags {
  config?: string;
  out: string;
  quiet?: boolean;
  queue?: string;
  status?: boolean;
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('train a grid of model sizes at the same budget over seeds; skips completed runs and resumes interrupted ones; writes sweep.json. With --queue, enqueue the runs for tltc worker instead')
    .option('--config <file>', 'sweep file (JSON): models, seeds, budget, base')
    .requiredOption('--out <dir>', 'sweep folder (with --queue: a path every worker sees)')
    .option('--queue <url>', 'enqueue each run on this Redis (redis://HOST:PORT[/DB]) for tltc worker; running it again enqueues nothing new')
    .option('--status', 'with --queue: each run\'s state, step, validation perplexity and ETA')
    .option('--quiet', 'no progress output')
    .action(async (flags: SweepFlags) => {
      if (flags.status) {
        if (!flags.queue) throw new Error('--status reads the job queue: pass --queue redis://HOST:PORT');
        process.stdout.write(`${JSON.stringify(await sweepStatus(flags.queue, flags.out))}\n`);
        return;
      }
      if (!flags.config) throw new Error('pass --config FILE (the sweep to train or enqueue)');
      if (flags.queue) {
        process.stdout.write(`${JSON.stringify(await enqueueSweep(readSweepConfig(flags.config), flags.out, flags.queue))}\n`);
        return;
      }
      const summary = await runSweep(readSweepConfig(flags.config), flags.out, { quiet: flags.quiet });
      process.stdout.write(`${JSON.stringify({ runs: summary.runs.map((r) => ({ id: r.id, status: r.status, val_ppl: r.final.val_ppl })) })}\n`);
    });
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('take runs queued by tltc sweep --queue and train them (resuming any a dead worker left) until stopped')
    .requiredOption('--queue <url>', 'the Redis the sweep was queued on, redis://HOST:PORT[/DB]')
    .option('--concurrency <n>', 'runs at once', positiveInt('--concurrency'), 1)
    .option('--threads <n>', 'intra-op threads of each run (default: the sweep\'s)', positiveInt('--threads'))
    .option('--lock-seconds <s>', 'a run whose worker stops renewing its job for this long is handed to another worker (default 30)', positiveNumber('--lock-seconds'))
    .option('--max-runs <n>', 'stop after this many runs have completed or failed their last attempt', positiveInt('--max-runs'))
    .option('--quiet', 'no progress output')
    .action(async (flags: { queue: string; concurrency: number; threads?: number; lockSeconds?: number; maxRuns?: number; quiet?: boolean }) => {
      const r = await runWorker(flags.queue, { concurrency: flags.concurrency, threads: flags.threads, quiet: flags.quiet, maxRuns: flags.maxRuns, ...(flags.lockSeconds ? { lockMs: flags.lockSeconds * 1000 } : {}) });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
