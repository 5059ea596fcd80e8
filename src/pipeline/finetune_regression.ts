/**
 * `tltc finetune` on a numeric target (a regression file task): the pretrained encoder with a
 * one-output head trained on squared error, scored by Pearson's r, Spearman's rho and the mean
 * squared error on val and test, beside the baseline that predicts the training mean.
 */
import path from 'node:path';
import { resolveTask } from '../data/task_source.ts';
import { sampleExamples, type Example } from '../data/tasks.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import { defaultThreads } from '../runtime/session.ts';
import { loadCheckpoint } from '../train/checkpoint.ts';
import { classifierEvaluator, scoreRegressionSplit } from '../train/classifier_training.ts';
import type { RegressionScores } from '../train/regression_scores.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { classifierBudget, freshOutDir, meanBaseline, splitEncoder, trainClassifierCheckpoint, withRunLock } from './classifier_steps.ts';
import { classifierFromEncoder, DEFAULT_POOLING, finetune, resumeKeyOf, type FinetuneOptions, type FinetuneResult } from './finetune.ts';
import { dropSnapshots, findSnapshot } from './finetune_resume.ts';
import { finetuneTagger, POS_TASK, type TaggerFinetuneResult } from './finetune_tagger.ts';

export interface RegressionFinetuneResult {
  task: string;
  kind: 'regression';
  model: string;
  checkpoint: string;
  steps: number;
  train_s: number;
  lr: number;
  val: RegressionScores;
  test: RegressionScores;
  /** The mean squared error of predicting the training targets' mean (its correlation is 0). */
  baselines: { val: { mean: { mse: number } }; test: { mean: { mse: number } } };
  warnings: string[];
}

/** Fine-tunes for the task's kind: classes (finetune), a numeric target (finetuneRegression) or tags per word (finetuneTagger). */
export async function finetuneAny(options: FinetuneOptions): Promise<FinetuneResult | RegressionFinetuneResult | TaggerFinetuneResult> {
  if (options.task === POS_TASK) return finetuneTagger(options);
  // Reads a file task's labels once more to learn its kind; the chosen path reads it again.
  const kind = (await resolveTask(options.task, options.columns)).kind;
  if (kind === 'regression' && options.method !== undefined) throw new Error(`--method ${options.method} fine-tunes classification tasks; ${options.task} has a numeric target: leave --method out`);
  if (kind === 'regression' && options.earlyExit) throw new Error(`--early-exit stops a sequence at a confident class; ${options.task} has a numeric target: leave --early-exit out`);
  return kind === 'regression' ? finetuneRegression(options) : finetune(options);
}

export async function finetuneRegression(options: FinetuneOptions): Promise<RegressionFinetuneResult> {
  const budget = options.budget ?? '3m';
  classifierBudget(budget, 1, 1); // a bad budget fails before any work
  const task = await resolveTask(options.task, { ...options.columns, kind: options.columns?.kind ?? 'regression' });
  if (task.kind !== 'regression') throw new Error(`--task ${options.task} has classes, not a numeric target: fine-tune it without --task-kind regression`);
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-mlm');
  const outDir = freshOutDir(options.outDir, 'finetune.json', 'a fine-tuned model');
  return withRunLock(outDir, async () => {
    const model: ModelConfig = { ...ck.config.model, pooling: options.pooling ?? DEFAULT_POOLING };
    const [batch, seed, threads] = [options.batchSize ?? 16, options.seed ?? 0, options.threads ?? defaultThreads()];
    const encode = splitEncoder(ck, true);
    const params = classifierFromEncoder(ck, model, 1, seed);
    const resumeKey = resumeKeyOf(options, ck, batch, seed);
    const resume = { resume: findSnapshot(outDir, resumeKey, options.resume === true), snapshotEveryS: options.snapshotEveryS ?? 60 };
    const trained = await trainClassifierCheckpoint({ model, labels: task.labels, params, train: encode(task.train), batch, budget, lr: options.lr, seed, threads, quiet: options.quiet, outDir, from: ck, record: { task: task.name, budget, resume_key: resumeKey }, objective: 'regression', signal: options.signal, onStep: options.onStep, ...resume });
    const splits = { val: sampleExamples(task.val, options.evalExamples), test: sampleExamples(task.test, options.evalExamples) };
    const evaluator = await classifierEvaluator(model, 1, batch, model.max_len, threads);
    const score = (examples: readonly Example[]) => scoreRegressionSplit(evaluator, params, encode(examples), batch, model.max_len);
    let val: RegressionScores, test: RegressionScores;
    try {
      [val, test] = [await score(splits.val), await score(splits.test)];
    } finally {
      await evaluator.release();
    }
    const warnings = test.pearson_95[0] <= 0 && test.pearson_95[1] >= 0 ? [`the fine-tuned ${modelName(model)}'s test correlation ${test.pearson.toFixed(3)} is not measurably above 0 (95% interval ${test.pearson_95.map((x) => x.toFixed(3)).join(' to ')})`] : [];
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const baselines = { val: { mean: meanBaseline(task.train, splits.val) }, test: { mean: meanBaseline(task.train, splits.test) } };
    const result: RegressionFinetuneResult = { task: task.name, kind: 'regression', model: modelName(model), checkpoint: trained.checkpoint, steps: trained.steps, train_s: trained.trainS, lr: trained.opt.lr, val, test, baselines, warnings };
    writeFileAtomic(path.join(outDir, 'finetune.json'), `${JSON.stringify(result, null, 2)}\n`);
    dropSnapshots(outDir);
    return result;
  });
}
