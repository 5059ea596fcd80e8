/**
 * `tltc sweep --status --queue URL --out DIR`: where each run of a queued sweep stands: its
 * job's state (waiting, active, completed, failed with its reason), and from the run folder's
 * metrics.jsonl its step, validation perplexity, share of the budget and ETA.
 */
import { Queue } from 'bullmq';
import { readCurve, rebuildSweepSummary, runDirOf } from '../experiments/sweep.ts';
import { expandSweep } from '../experiments/sweep_config.ts';
import { budgetFraction, parseBudget } from '../train/budget.ts';
import { checkReachable, connectionOptions, parseQueueUrl, QUEUE_NAME } from './connection.ts';
import { jobIdOf, sweepIn, sweepKey } from './sweep_queue.ts';
import path from 'node:path';

export interface RunStatus {
  id: string;
  state: string;
  attempts: number;
  step?: number;
  val_ppl?: number;
  /** Share of the run's budget used, 0..1, and the seconds left at its pace so far. */
  progress?: number;
  eta_s?: number;
  failed_reason?: string;
}

export interface SweepStatus {
  sweep_key: string;
  counts: Record<string, number>;
  runs: RunStatus[];
}

export async function sweepStatus(url: string, outDir: string): Promise<SweepStatus> {
  const q = parseQueueUrl(url);
  await checkReachable(q);
  const dir = path.resolve(outDir);
  const sweep = sweepIn(dir);
  if (!sweep) throw new Error(`${path.join(dir, 'sweep.json')} does not exist: pass the --out of tltc sweep --queue`);
  const key = sweepKey(sweep, dir);
  const queue = new Queue(QUEUE_NAME, { connection: connectionOptions(q) });
  try {
    const runs: RunStatus[] = [];
    for (const run of expandSweep(sweep)) {
      const job = await queue.getJob(jobIdOf(key, run.id));
      const state = job ? await job.getState() : 'not queued';
      const rows = readCurve(runDirOf(dir, run.id));
      const last = rows.at(-1);
      const progress = last ? budgetFraction(parseBudget(run.config.budget), { step: last.step, tokens: last.tokens, trainSeconds: last.wall_s }) : undefined;
      const eta = last && progress && progress < 1 ? (last.wall_s * (1 - progress)) / progress : undefined;
      runs.push({ id: run.id, state, attempts: job?.attemptsMade ?? 0, ...(last ? { step: last.step, val_ppl: last.val_ppl, progress } : {}), ...(eta !== undefined ? { eta_s: eta } : {}), ...(job?.failedReason ? { failed_reason: job.failedReason.split('\n')[0] } : {}) });
    }
    const counts: Record<string, number> = {};
    for (const r of runs) counts[r.state] = (counts[r.state] ?? 0) + 1;
    if (runs.every((r) => r.state === 'completed')) rebuildSweepSummary(sweep, dir);
    return { sweep_key: key, counts, runs };
  } finally {
    await queue.close();
  }
}
