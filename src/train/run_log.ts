/**
 * What a pretraining run leaves in its folder as it trains: a metrics.jsonl row and a checkpoint
 * per evaluation, and summary.json once it is done.
 */
import { appendFileSync, cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';
import { saveCheckpoint, type SaveInput, type TrainState } from './checkpoint.ts';

export interface MetricsRow {
  step: number;
  wall_s: number;
  tokens: number;
  flops: number;
  train_loss: number;
  val_loss: number;
  val_ppl: number;
  lr: number;
  tokens_per_s: number;
  eval_s: number;
  /** Translation runs: greedy BLEU and chrF on the fixed validation pairs at this evaluation. */
  val_bleu?: number;
  val_chrf?: number;
}

/** The training steps since the last evaluation, which a metrics row averages over. */
export interface StepWindow {
  /** Training seconds (TrainState.train_s) when the window opened. */
  since: number;
  steps: number;
  /** Sum of the steps' losses. */
  loss: number;
  seconds: number;
  tokens: number;
  /** Learning rate of the last step (0 before any). */
  lr: number;
}

export const openWindow = (since: number): StepWindow => ({ since, steps: 0, loss: 0, seconds: 0, tokens: 0, lr: 0 });

export function addStep(w: StepWindow, step: { loss: number; lr: number }, seconds: number, tokens: number): StepWindow {
  return { since: w.since, steps: w.steps + 1, loss: w.loss + step.loss, seconds: w.seconds + seconds, tokens: w.tokens + tokens, lr: step.lr };
}

/** A row for an evaluation at `state`; an empty window repeats the previous row's training figures. */
export function metricsRow(state: TrainState, w: StepWindow, val: { loss: number; seconds: number }, previous: MetricsRow | null): MetricsRow {
  return {
    step: state.step,
    wall_s: state.train_s,
    tokens: state.tokens,
    flops: state.flops,
    train_loss: w.steps > 0 ? w.loss / w.steps : (previous?.train_loss ?? NaN),
    val_loss: val.loss,
    val_ppl: Math.exp(val.loss),
    lr: w.steps > 0 ? w.lr : (previous?.lr ?? 0),
    tokens_per_s: w.seconds > 0 ? w.tokens / w.seconds : (previous?.tokens_per_s ?? 0),
    eval_s: val.seconds,
  };
}

/** Where eval.keep_at_ppl keeps the checkpoint that first reached `target`. */
export const keptDir = (runDir: string, target: number) => path.join(runDir, 'kept', `ppl-${target}`);

/** What every checkpoint of a run shares; the state and weights come with each save. */
export type RunIdentity = Pick<SaveInput<unknown>, 'model' | 'train' | 'tokenizerJson' | 'modelType'>;

/** The weights and state saved with a metrics row. */
/** `model`, when given, replaces the run's (a model that changed shape during training, as EarlyBERT's does). */
export type Snapshot = Pick<SaveInput<unknown>, 'state' | 'params' | 'm' | 'v' | 'masks' | 'methodState'> & { model?: unknown };

export class RunLog {
  private readonly metricsFile: string;
  private lastRow: MetricsRow | null = null;
  private lastCheckpoint: string;

  /**
   * Opens the log of `runDir`. Resuming from `resumed`, the metrics rows up to its step are kept;
   * otherwise (a fresh start in a folder that held a run) all are dropped.
   */
  constructor(
    private readonly runDir: string,
    private readonly identity: RunIdentity,
    private readonly keepCheckpoints: number,
    resumed?: { checkpoint: string; step: number },
  ) {
    this.metricsFile = path.join(runDir, 'metrics.jsonl');
    this.lastCheckpoint = resumed?.checkpoint ?? '';
    if (existsSync(this.metricsFile)) trimMetrics(this.metricsFile, resumed ? resumed.step : -1);
  }

  /** The newest row logged by this process, or null before the first. */
  get last(): MetricsRow | null {
    return this.lastRow;
  }

  /** The newest complete checkpoint ('' when there is none). */
  get checkpoint(): string {
    return this.lastCheckpoint;
  }

  /** Appends `row` to metrics.jsonl, then saves a checkpoint of `snapshot`. */
  record(row: MetricsRow, snapshot: Snapshot): void {
    try {
      appendFileSync(this.metricsFile, `${JSON.stringify(row)}\n`);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (err as Error).message;
      throw new Error(`could not append to ${this.metricsFile}: ${why}; earlier checkpoints are intact`, { cause: err });
    }
    this.lastCheckpoint = saveCheckpoint(this.runDir, { ...this.identity, ...snapshot }, this.keepCheckpoints);
    this.lastRow = row;
  }

  /**
   * Copies the newest checkpoint to kept/ppl-<target>/ for each target the last row's validation
   * perplexity is at or below, unless a copy for that target exists (an earlier evaluation, or
   * before a resume, reached it first). Copied to a temporary folder, then renamed: a copy is
   * whole or absent. Returns the targets kept now.
   */
  keepAtPpl(targets: readonly number[]): number[] {
    const row = this.lastRow;
    if (!row || !this.lastCheckpoint) return [];
    const due = targets.filter((t) => row.val_ppl <= t && !existsSync(keptDir(this.runDir, t)));
    for (const t of due) {
      const tmp = `${keptDir(this.runDir, t)}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      cpSync(this.lastCheckpoint, tmp, { recursive: true });
      renameSync(tmp, keptDir(this.runDir, t));
    }
    return due;
  }

  /** Writes summary.json from the last row and returns what it holds. Written last: it marks the run complete (sweeps skip such runs). */
  writeSummary(modelName: string, unigramValPpl: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
    if (!this.lastRow) throw new Error(`${this.runDir}: no metrics row to summarize`);
    const summary = { run: this.runDir, model: modelName, checkpoint: this.lastCheckpoint, unigram_val_ppl: unigramValPpl, ...this.lastRow, ...extra };
    writeFileAtomic(path.join(this.runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  }
}

/**
 * Keeps the metrics rows up to the checkpoint a run resumes from: rows logged after it (their
 * steps are about to be trained again) and a line cut short by a kill are dropped.
 */
function trimMetrics(file: string, upToStep: number): void {
  const kept: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      if ((JSON.parse(line) as MetricsRow).step <= upToStep) kept.push(line);
    } catch {
      // a partial last line
    }
  }
  writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}
