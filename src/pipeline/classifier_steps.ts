/**
 * The steps fine-tuning and compression share: a fresh output folder under a run lock, a task
 * encoded with a checkpoint's tokenizer, and training a classifier within a budget into a
 * checkpoint (fine-tuning, and compression's recovery training after pruning or for QAT).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Example, Task } from '../data/tasks.ts';
import { classifierParamSpecs, type Objective } from '../nn/classifier.ts';
import { IA3_PREFIX, mergeIa3 } from '../nn/ia3_weights.ts';
import { PROMPT_EMBEDDINGS, type Parameter } from '../nn/params.ts';
import type { ModelConfig } from '../nn/config.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { parseBudget, type Budget } from '../train/budget.ts';
import { saveCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { encodeExamples, type EncodedSplit } from '../train/classifier_data.ts';
import { trainClassifier, type TrainingState, type WeightConstraints } from '../train/classifier_training.ts';
import { snapshotDir, stateFrom } from './finetune_resume.ts';
import { baselines, type Baselines } from '../train/bow_baseline.ts';
import { acquireRunLock } from '../train/lock.ts';
import type { OptimizerConfig } from '../train/optimizer.ts';
import type { Feeds } from '../train/feeds.ts';

/**
 * AdamW in the range used for fine-tuning small encoders (peak 1e-4, warm-up over the first 6%
 * of the budget, linear decay to 0); recovery training uses the same.
 */
export function classifierOptimizer(lr = 1e-4): OptimizerConfig {
  return { lr, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, warmup_steps: 0, warmup_fraction: 0.06, schedule: 'linear', min_lr_ratio: 0 };
}

/**
 * A classifier budget: any training budget (3m, 500steps, 2e5tokens), or passes over the
 * training split (`3epochs`), which become the steps of that many passes at `batch`.
 */
export function classifierBudget(text: string, examples: number, batch: number): Budget {
  const epochs = /^\s*(\d+(?:\.\d+)?)\s*epochs?\s*$/i.exec(text);
  if (!epochs) return parseBudget(text);
  const n = Number(epochs[1]);
  if (!(n > 0)) throw new Error(`budget "${text}" must be positive: use e.g. 3epochs`);
  return { kind: 'steps', value: Math.max(1, Math.ceil((n * examples) / batch)) };
}

/** The absolute output folder, refused when `marker` shows an earlier run finished there. */
export function freshOutDir(dir: string, marker: string, holds: string): string {
  const outDir = path.resolve(dir);
  if (existsSync(path.join(outDir, marker))) throw new Error(`${outDir} already holds ${holds}: choose another --out`);
  return outDir;
}

/** Runs `work` holding the folder's run lock, so no second process writes there meanwhile. */
export async function withRunLock<T>(outDir: string, work: () => Promise<T>): Promise<T> {
  const release = acquireRunLock(outDir);
  try {
    return await work();
  } finally {
    release();
  }
}

/** Examples encoded with the checkpoint's tokenizer at the model's length. */
export function splitEncoder(ck: Checkpoint, regression = false): (examples: readonly Example[]) => EncodedSplit {
  const tok = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
  return (examples) => encodeExamples(tok, [...examples], ck.config.model.max_len, regression);
}

/**
 * A warning when a classifier predicts too few classes to have learned the task (one class, or
 * two of many): its accuracy then says nothing about the model, however the weights change.
 */
export function collapseWarning(what: string, scores: { predicted_classes?: number }, classes: number): string | null {
  const predicted = scores.predicted_classes;
  if (predicted === undefined || predicted >= Math.min(classes, 3)) return null;
  return `${what} predicts ${predicted} of ${classes} classes: it has not learned the task, and its accuracy is the share of those classes`;
}

/** The baselines of a task, trained once per task and split in this process (downstream compresses many files on one split). */
const baselineCache = new Map<string, Record<string, Baselines>>();

export function taskBaselines(task: Task, splits: Record<string, readonly Example[]>, key: string): Record<string, Baselines> {
  const k = `${task.name}/${key}`;
  let b = baselineCache.get(k);
  if (!b) {
    b = baselines(task.train, splits, task.labels.length);
    baselineCache.set(k, b);
  }
  return b;
}

/** The mean squared error of predicting the training targets' mean on `split` (its correlation is 0): a regression task's baseline. */
export function meanBaseline(train: readonly Example[], split: readonly Example[]): { mse: number } {
  const mean = train.reduce((s, e) => s + e.label, 0) / Math.max(1, train.length);
  return { mse: split.reduce((s, e) => s + (e.label - mean) ** 2, 0) / Math.max(1, split.length) };
}

export interface ClassifierRun {
  model: ModelConfig;
  labels: string[];
  params: Parameter[];
  train: EncodedSplit;
  batch: number;
  budget: string;
  lr?: number;
  seed: number;
  threads: number;
  quiet?: boolean;
  /** Progress bar label. */
  label?: string;
  constraints?: WeightConstraints;
  /** Default classification; a regression head has one output trained on squared error. */
  objective?: Objective;
  /** Stops training after the current step; what was trained is saved and scored as usual. */
  signal?: AbortSignal;
  onStep?: (progress: { step: number; fraction: number; loss: number }) => void;
  /** After training, before saving (compression completes its pruning schedule here). */
  afterTraining?: () => void;
  /** (IA)^3: `params` end with its vectors, only they and the head train, and the saved model has them merged in. */
  /** A parameter-efficient method: only its own parameters and the head train (IA3_LR or PROMPT_LR unless `lr`); (IA)^3's are merged into the saved model. */
  peft?: 'ia3' | 'prompt';
  /** Outputs of the head when not one per label (an embedding head's width). */
  outputs?: number;
  /** Further feeds for each step's rows (a teacher's embeddings), when not task distillation's `soft`. */
  rowFeeds?: (rows: Int32Array) => Feeds;
  /** Task distillation's soft targets and the feeds that carry them (trainClassifier's `soft` and `rowFeeds`). */
  soft?: { alpha: number; temperature: number; rowFeeds: (rows: Int32Array) => Feeds };
  /** Where the checkpoint goes, what it came from, and what to record of the training. */
  outDir: string;
  from: Checkpoint;
  record: Record<string, unknown>;
  /** A snapshot of this run to continue from (finetune_resume.ts); `params` get its weights. */
  resume?: Checkpoint | null;
  /** Save a snapshot to resume from every this many training seconds (finetune_resume.ts). */
  snapshotEveryS?: number;
}

export interface ClassifierRunResult {
  steps: number;
  trainS: number;
  checkpoint: string;
  opt: OptimizerConfig;
}

/** Trains `params` in place within the budget and saves them as a classifier checkpoint in outDir. */
export async function trainClassifierCheckpoint(r: ClassifierRun): Promise<ClassifierRunResult> {
  const opt = classifierOptimizer(r.lr ?? (r.peft === 'ia3' ? IA3_LR : r.peft === 'prompt' ? PROMPT_LR : undefined));
  const seq = r.model.max_len;
  const peft = r.peft ? { ia3: r.peft === 'ia3', trains: (name: string) => peftTrains(r.peft!, name) } : {};
  const start = r.resume ? stateFrom(r.resume, r.params) : undefined;
  const snapshot = r.snapshotEveryS === undefined ? undefined : { intervalS: r.snapshotEveryS, save: (st: TrainingState) => saveClassifier(snapshotDir(r.outDir), r, opt, st, { params: r.params, m: st.m, v: st.v }) };
  const trained = await trainClassifier({ model: r.model, classes: r.outputs ?? r.labels.length, params: r.params, train: r.train, batch: r.batch, seq, opt, budget: classifierBudget(r.budget, r.train.count, r.batch), seed: r.seed, threads: r.threads, quiet: r.quiet, label: r.label, constraints: r.constraints, objective: r.objective, signal: r.signal, onStep: r.onStep, start, snapshot, rowFeeds: r.rowFeeds, ...peft, ...(r.soft ? { soft: { alpha: r.soft.alpha, temperature: r.soft.temperature }, rowFeeds: r.soft.rowFeeds } : {}) });
  r.afterTraining?.();
  const saved = r.peft === 'ia3' ? mergedIa3(r, trained) : { params: r.params, m: trained.m, v: trained.v };
  const checkpoint = saveClassifier(r.outDir, r, opt, trained, saved);
  return { steps: trained.steps, trainS: trained.trainS, checkpoint, opt };
}

/** A classifier checkpoint of the run at `state` in `dir` (the newest only). */
function saveClassifier(dir: string, r: ClassifierRun, opt: OptimizerConfig, state: Pick<TrainingState, 'steps' | 'tokens' | 'trainS'>, saved: { params: Parameter[]; m: Float32Array[]; v: Float32Array[] }): string {
  return saveCheckpoint(
    dir,
    {
      modelType: 'tltc-classifier',
      labels: r.labels,
      ...(r.objective === 'regression' || r.objective === 'embedding' ? { objective: r.objective } : {}),
      model: r.model,
      train: { ...r.record, from: path.resolve(r.from.dir), batch_size: r.batch, optimizer: opt, seed: r.seed },
      state: { step: state.steps, tokens: state.tokens, flops: 0, train_s: state.trainS },
      ...saved,
      tokenizerJson: r.from.tokenizerJson,
    },
    1,
  );
}

/** (IA)^3's peak rate (Liu et al. 2022 train the vectors at 3e-3): they start at 1 and move little at fine-tuning's 1e-4. */
export const IA3_LR = 3e-3;

/** Prompt tuning's peak rate: soft prompts need far larger steps than weights (Lester et al. train them at 0.3 with Adafactor); 1e-2 for Adam is a choice, not a tuned value. */
export const PROMPT_LR = 1e-2;

/** What a parameter-efficient method trains: its own parameters and the classifier head. */
export function peftTrains(method: 'ia3' | 'prompt', name: string): boolean {
  return name.startsWith('classifier.') || (method === 'ia3' ? name.startsWith(IA3_PREFIX) : name === PROMPT_EMBEDDINGS);
}

/** A classifier's parameters, in classifierParamSpecs order, with the (IA)^3 vectors among `params` folded in. */
export function ia3Merged(model: ModelConfig, classes: number, params: readonly Parameter[]): Parameter[] {
  const merged = mergeIa3(model, new Map(params.map((p) => [p.spec.name, p.data])));
  return classifierParamSpecs(model, classes).map((spec) => ({ spec, data: merged.get(spec.name)! }));
}

/** What an (IA)^3 run saves: the merged classifier, with the moments of what trained (the encoder's are zero). */
function mergedIa3(r: ClassifierRun, trained: { m: Float32Array[]; v: Float32Array[] }) {
  const params = ia3Merged(r.model, r.labels.length, r.params);
  const index = new Map(r.params.map((p, i) => [p.spec.name, i]));
  return { params, m: params.map((p) => trained.m[index.get(p.spec.name)!]), v: params.map((p) => trained.v[index.get(p.spec.name)!]) };
}
