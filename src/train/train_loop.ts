/**
 * The training loop every model family shares: step until the budget is spent, evaluating and
 * checkpointing at even shares of the budget (see evaluationDue) and at the end. Evaluation and
 * checkpoint time do not count against a wall-clock budget. A family supplies a `TrainingJob`:
 * how one step trains, how the model is evaluated, and the weights to save.
 */
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createProgress, type Progress } from '../util/progress.ts';
import { budgetFraction, type Budget } from './budget.ts';
import type { TrainState } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { acquireRunLock } from './lock.ts';
import { RunLog, addStep, metricsRow, openWindow, type MetricsRow, type Snapshot, type StepWindow } from './run_log.ts';
import type { StepResult } from './step_runner.ts';

export interface TrainingJob {
  budget: Budget;
  eval: TrainConfig['eval'];
  /** Tokens and training FLOPs of one step. */
  perStep: { tokens: number; flops: number };
  /**
   * Trains step `step` (1-based) on its own batch; `progress` is the share of the budget used and
   * `before` the state before the step (its training seconds date what the step finds).
   */
  step(step: number, progress: number, before: TrainState): Promise<StepResult>;
  /** Validation loss per predicted token (its exp is val_ppl), and any further metrics for the row. */
  evaluate(): Promise<{ loss: number; metrics?: Record<string, number> }>;
  /** The weights and Adam moments a checkpoint saves. */
  weights(): Omit<Snapshot, 'state'>;
}

export interface LoopCallbacks {
  signal?: AbortSignal;
  onStep?: (progress: { step: number; fraction: number; loss: number; tokens_per_s: number }) => void;
  onEvaluation?: (row: MetricsRow) => void;
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/**
 * Runs `work` holding the run folder's lock. `runDir` may hold a run only when resuming; a run
 * that fails before writing run.json leaves no folder that looks like a run.
 */
export async function inRunFolder<T>(runDir: string, resume: boolean | undefined, work: (hasRun: boolean) => Promise<T>): Promise<T> {
  const hasRun = existsSync(path.join(runDir, 'run.json'));
  if (hasRun && !resume) throw new Error(`${runDir} already holds a run: add --resume to continue it, or choose another --out`);
  const createdDir = !existsSync(runDir);
  const release = acquireRunLock(runDir);
  try {
    return await work(hasRun);
  } catch (err) {
    release();
    if (createdDir && !existsSync(path.join(runDir, 'run.json'))) rmSync(runDir, { recursive: true, force: true });
    throw err;
  } finally {
    release();
  }
}

export interface JobOutcome {
  final: MetricsRow;
  checkpoint: string;
  /** What summary.json holds; empty when the run was stopped before its budget was spent. */
  summary: Record<string, unknown>;
  stopped?: boolean;
}

/**
 * The job trained from `start` to the end of its budget under a progress bar, then summary.json
 * (or, stopped by the signal, a note on how to resume). `baseline` is the unigram perplexity the
 * summary records beside the model's; `summaryExtra` adds a method's own fields.
 */
export async function runToEnd(job: TrainingJob, start: TrainState, log: RunLog, o: LoopCallbacks & { quiet?: boolean; name: string; baseline: number; summaryExtra?: (final: MetricsRow) => Record<string, unknown> }): Promise<JobOutcome> {
  const say = (line: string) => void (o.quiet || process.stderr.write(`${line}\n`));
  const bar = createProgress('train', 1000, {
    quiet: o.quiet,
    format: 'train {bar} {percentage}% | step {step} | loss {loss} | val ppl {ppl} | {tps} tok/s | ETA {eta_formatted}',
    initial: { step: start.step, loss: '-', ppl: '-', tps: '-' },
  });
  try {
    const { final, state } = await trainSteps(job, start, log, bar, o);
    bar.stop();
    if (reachedTarget(job, log)) {
      say(`reached val ppl ${fmt(final.val_ppl, 1)} <= ${job.eval.stop_at_ppl} at step ${state.step} (${fmt(state.train_s, 1)}s training); checkpoint ${log.checkpoint}`);
      return { final, checkpoint: log.checkpoint, summary: log.writeSummary(o.name, o.baseline, { stopped_at_ppl: job.eval.stop_at_ppl, ...o.summaryExtra?.(final) }) };
    }
    if (!spent(job.budget, state)) {
      say(`stopped at step ${state.step} (${fmt(100 * used(job.budget, state), 1)}% of the budget); checkpoint ${log.checkpoint}; continue with --resume`);
      return { final, checkpoint: log.checkpoint, summary: {}, stopped: true };
    }
    say(`done: ${state.step} steps, ${fmt(state.train_s, 1)}s training, val ppl ${fmt(final.val_ppl, 1)} (unigram ppl ${fmt(o.baseline, 1)}); checkpoint ${log.checkpoint}`);
    return { final, checkpoint: log.checkpoint, summary: log.writeSummary(o.name, o.baseline, o.summaryExtra?.(final)) };
  } finally {
    bar.stop();
  }
}

export const used = (budget: Budget, s: TrainState) => budgetFraction(budget, { step: s.step, tokens: s.tokens, trainSeconds: s.train_s });
export const spent = (budget: Budget, s: TrainState) => used(budget, s) >= 1;

/** Steps from `start` until the budget is spent, evaluating when evaluationDue says and at the end; returns the final row and state. */
export async function trainSteps(job: TrainingJob, start: TrainState, log: RunLog, bar: Progress, options: LoopCallbacks): Promise<{ final: MetricsRow; state: TrainState }> {
  let state = start;
  let window = openWindow(state.train_s);
  const evaluate = async () => {
    const row = await evaluateAndSave(job, log, bar, state, window);
    options.onEvaluation?.(row);
    return row;
  };
  while (!spent(job.budget, state) && !options.signal?.aborted && !reachedTarget(job, log)) {
    const t0 = performance.now();
    const before = state;
    const r = await job.step(state.step + 1, used(job.budget, state), state);
    if (r.nonFinite) throw divergence(state.step + 1, r, log.checkpoint);
    const dt = (performance.now() - t0) / 1000;
    state = { step: state.step + 1, tokens: state.tokens + job.perStep.tokens, flops: state.flops + job.perStep.flops, train_s: state.train_s + dt };
    window = addStep(window, r, dt, job.perStep.tokens);
    const tps = Math.round(window.tokens / window.seconds);
    bar.update(Math.round(used(job.budget, state) * 1000), { step: state.step, loss: fmt(r.loss), ppl: log.last ? fmt(log.last.val_ppl, 1) : '-', tps });
    options.onStep?.({ step: state.step, fraction: used(job.budget, state), loss: r.loss, tokens_per_s: tps });
    if (evaluationDue(job, before, state, window) && !spent(job.budget, state)) {
      await evaluate();
      window = openWindow(state.train_s);
    }
  }
  const final = window.steps > 0 || !log.last ? await evaluate() : log.last;
  return { final, state };
}

/** Whether the run reached eval.stop_at_ppl at its last evaluation. */
export function reachedTarget(job: TrainingJob, log: RunLog): boolean {
  const target = job.eval.stop_at_ppl;
  return target !== undefined && log.last !== null && log.last.val_ppl <= target;
}

/**
 * Whether to evaluate after the step from `before` to `after`: every eval.interval_s training
 * seconds when the config fixes it; otherwise when the step crosses one of eval.evaluations even
 * shares of the budget (in the budget's own unit, so a resumed run evaluates where it would have),
 * or when max_interval_s training seconds have passed since the last evaluation.
 */
function evaluationDue(job: TrainingJob, before: TrainState, after: TrainState, window: StepWindow): boolean {
  const e = job.eval;
  const since = after.train_s - window.since;
  if (e.interval_s !== undefined) return since >= e.interval_s;
  const share = (s: TrainState) => Math.floor(used(job.budget, s) * e.evaluations);
  return share(after) > share(before) || since >= e.max_interval_s;
}

/** Validation loss at `state`, logged as a metrics row with a checkpoint beside it. */
async function evaluateAndSave(job: TrainingJob, log: RunLog, bar: Progress, state: TrainState, window: StepWindow): Promise<MetricsRow> {
  const t0 = performance.now();
  const val = await job.evaluate();
  const evalS = (performance.now() - t0) / 1000;
  const row = { ...metricsRow(state, window, { loss: val.loss, seconds: evalS }, log.last), ...val.metrics };
  log.record(row, { state, ...job.weights() });
  for (const t of log.keepAtPpl(job.eval.keep_at_ppl ?? [])) bar.log(`val ppl ${fmt(row.val_ppl, 1)} <= ${t}: kept ${log.checkpoint} as kept/ppl-${t}`);
  const extra = Object.entries(val.metrics ?? {}).map(([k, v]) => `, ${k.replace(/_/g, ' ')} ${fmt(v, 2)}`);
  bar.log(`step ${row.step}: train loss ${fmt(row.train_loss)}, val loss ${fmt(row.val_loss)}, val ppl ${fmt(row.val_ppl, 1)}${extra.join('')} (eval ${fmt(evalS, 2)}s, not counted in the budget)`);
  return row;
}

function divergence(step: number, r: StepResult, lastCheckpoint: string): Error {
  return new Error(
    `training diverged at step ${step}: ${r.nonFinite} is not finite (loss ${r.loss}, lr ${r.lr.toExponential(2)}); ` +
      `lower optimizer.lr or keep clip_norm > 0. Last good checkpoint: ${lastCheckpoint || 'none'}`,
  );
}
