/**
 * Fine-tuning a pretrained checkpoint on a classification task: the encoder is loaded, a fresh
 * head is added, and the whole model is trained with the same one-session step as pretraining.
 * Reports accuracy and macro-F1 on val and test, and writes a classifier checkpoint.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadTask, sampleExamples, type Task } from '../data/tasks.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import { initParams, type Parameter } from '../nn/params.ts';
import { defaultThreads } from '../runtime/session.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { parseBudget } from './budget.ts';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { encodeExamples } from './classifier_data.ts';
import { classifierEvaluator, scoreSplit, trainClassifier, type SplitScores } from './classifier_training.ts';
import { acquireRunLock } from './lock.ts';
import type { OptimizerConfig } from './optimizer.ts';

export interface FinetuneOptions {
  checkpoint: string;
  task: string;
  outDir: string;
  budget?: string;
  batchSize?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  /** Score val and test on this many examples each (a fixed random subset) instead of all. */
  evalExamples?: number;
  quiet?: boolean;
}

export interface FinetuneResult {
  task: string;
  model: string;
  checkpoint: string;
  steps: number;
  train_s: number;
  val: SplitScores;
  test: SplitScores;
}

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const budget = parseBudget(options.budget ?? '3m');
  const task: Task = loadTask(options.task);
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-mlm');
  const model: ModelConfig = ck.config.model;
  const outDir = path.resolve(options.outDir);
  if (existsSync(path.join(outDir, 'finetune.json'))) throw new Error(`${outDir} already holds a fine-tuned model: choose another --out`);
  const release = acquireRunLock(outDir);
  try {
    const tok = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
    const seq = model.max_len;
    const batch = options.batchSize ?? 16;
    const classes = task.labels.length;
    const train = encodeExamples(tok, task.train, seq);
    const [val, test] = [task.val, task.test].map((s) => encodeExamples(tok, sampleExamples(s, options.evalExamples), seq));
    const specs = classifierParamSpecs(model, classes);
    const fresh = initParams(specs, model, options.seed ?? 0);
    const params: Parameter[] = specs.map((spec, i) => ({ spec, data: ck.params.get(spec.name) ?? fresh[i].data }));
    const opt: OptimizerConfig = { lr: options.lr ?? 1e-4, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, warmup_steps: 20, schedule: 'linear', min_lr_ratio: 0 };
    const threads = options.threads ?? defaultThreads();
    const seed = options.seed ?? 0;
    const trained = await trainClassifier({ model, classes, params, train, batch, seq, opt, budget, seed, threads, quiet: options.quiet });
    const evaluator = await classifierEvaluator(model, classes, batch, seq, threads);
    const valScores = await scoreSplit(evaluator, params, val, classes, batch, seq);
    const testScores = await scoreSplit(evaluator, params, test, classes, batch, seq);
    await evaluator.release();
    const saved = saveCheckpoint(
      outDir,
      {
        modelType: 'tltc-classifier',
        labels: task.labels,
        model,
        train: { task: task.name, from: ck.dir, batch_size: batch, optimizer: opt, budget: options.budget ?? '3m', seed },
        state: { step: trained.steps, tokens: trained.tokens, flops: 0, train_s: trained.trainS },
        params,
        m: trained.m,
        v: trained.v,
        tokenizerJson: ck.tokenizerJson,
      },
      1,
    );
    const result: FinetuneResult = { task: task.name, model: modelName(model), checkpoint: saved, steps: trained.steps, train_s: trained.trainS, val: valScores, test: testScores };
    writeFileAtomic(path.join(outDir, 'finetune.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    release();
  }
}
