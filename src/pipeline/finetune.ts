/**
 * `tltc finetune`: a pretrained encoder with a fresh classification head, trained on a task
 * within a budget, scored on val and test; writes finetune.json and a classifier checkpoint.
 * Steps: load -> encode the task -> train into a checkpoint -> score -> summarize.
 */
import path from 'node:path';
import { sampleExamples } from '../data/tasks.ts';
import { resolveClassificationTask, type TaskColumns } from '../data/task_source.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { modelName, type ModelConfig, type Pooling } from '../nn/config.ts';
import { initParams, type Parameter } from '../nn/params.ts';
import { defaultThreads } from '../runtime/session.ts';
import { loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import type { SplitScores } from '../train/classifier_scores.ts';
import type { Baselines } from '../train/bow_baseline.ts';
import { classifierEvaluator, scoreSplit } from '../train/classifier_training.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { classifierBudget, collapseWarning, freshOutDir, splitEncoder, taskBaselines, trainClassifierCheckpoint, withRunLock } from './classifier_steps.ts';

/** Measured in docs/RESULTS.md (the downstream protocol). */
export const DEFAULT_POOLING: Pooling = 'first';

export interface FinetuneOptions {
  checkpoint: string;
  /** A built-in task's name or the path of the user's files. */
  task: string;
  /** Columns of a file task. */
  columns?: TaskColumns;
  outDir: string;
  budget?: string;
  batchSize?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  /** Score val and test on this many examples each (a fixed random subset) instead of all. */
  evalExamples?: number;
  /** The head's input: each sequence's first token or its mean over tokens (nn/config.ts). */
  pooling?: Pooling;
  quiet?: boolean;
  /** Stops fine-tuning after the current step: the model so far is saved, scored and reported with `stopped: true`. */
  signal?: AbortSignal;
  /** Called after every training step. */
  onStep?: (progress: { step: number; fraction: number; loss: number }) => void;
}

export interface FinetuneResult {
  task: string;
  model: string;
  checkpoint: string;
  steps: number;
  train_s: number;
  /** Peak fine-tuning rate and the head's pooling. */
  lr: number;
  pooling: Pooling;
  val: SplitScores;
  test: SplitScores;
  /** The majority class and a bag of words, trained on the same training split and scored on the same examples. */
  baselines: { val: Baselines; test: Baselines };
  warnings: string[];
  /** Present when options.signal ended fine-tuning before its budget. */
  stopped?: true;
}

/** The encoder's weights from the checkpoint, the head's freshly initialized. */
export function classifierFromEncoder(ck: Checkpoint, model: ModelConfig, classes: number, seed: number): Parameter[] {
  const specs = classifierParamSpecs(model, classes);
  const fresh = initParams(specs, model, seed);
  return specs.map((spec, i) => ({ spec, data: ck.params.get(spec.name) ?? fresh[i].data }));
}

/** Scores of each split with the training graph's evaluator (no dropout). */
async function scoreSplits(model: ModelConfig, classes: number, params: Parameter[], splits: EncodedSplit[], batch: number, threads: number): Promise<SplitScores[]> {
  const evaluator = await classifierEvaluator(model, classes, batch, model.max_len, threads);
  try {
    const scores: SplitScores[] = [];
    for (const split of splits) scores.push(await scoreSplit(evaluator, params, split, classes, batch, model.max_len));
    return scores;
  } finally {
    await evaluator.release();
  }
}

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const budget = options.budget ?? '3m';
  classifierBudget(budget, 1, 1); // a bad budget fails before any work
  const task = await resolveClassificationTask(options.task, options.columns ?? {}, 'finetune() (finetuneRegression() trains a numeric target)');
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-mlm');
  const outDir = freshOutDir(options.outDir, 'finetune.json', 'a fine-tuned model');
  return withRunLock(outDir, async () => {
    const model: ModelConfig = { ...ck.config.model, pooling: options.pooling ?? DEFAULT_POOLING };
    const [batch, seed, threads] = [options.batchSize ?? 16, options.seed ?? 0, options.threads ?? defaultThreads()];
    const encode = splitEncoder(ck);
    const params = classifierFromEncoder(ck, model, task.labels.length, seed);
    const record = { task: task.name, budget };
    const trained = await trainClassifierCheckpoint({ model, labels: task.labels, params, train: encode(task.train), batch, budget, lr: options.lr, seed, threads, quiet: options.quiet, outDir, from: ck, record, signal: options.signal, onStep: options.onStep });
    const splits = { val: sampleExamples(task.val, options.evalExamples), test: sampleExamples(task.test, options.evalExamples) };
    const [val, test] = await scoreSplits(model, task.labels.length, params, [encode(splits.val), encode(splits.test)], batch, threads);
    const base = taskBaselines(task, splits, `val+test/${options.evalExamples ?? 'all'}`) as FinetuneResult['baselines'];
    const warnings = [collapseWarning(`the fine-tuned ${modelName(model)}`, test, task.labels.length)].filter((w): w is string => w !== null);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const result: FinetuneResult = { task: task.name, model: modelName(model), checkpoint: trained.checkpoint, steps: trained.steps, train_s: trained.trainS, lr: trained.opt.lr, pooling: model.pooling ?? 'first', val, test, baselines: base, warnings, ...(options.signal?.aborted ? { stopped: true } : {}) };
    writeFileAtomic(path.join(outDir, 'finetune.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  });
}
