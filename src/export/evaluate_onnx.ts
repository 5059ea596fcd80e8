/**
 * `tltc eval --onnx FILE --task T`: the accuracy of an exported classifier as deployed, read
 * back from disk through onnxruntime-node (checksums verified when its folder has a manifest),
 * with the tokenizer.json and id2label of its transformers.js folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sampleExamples } from '../data/tasks.ts';
import { resolveTask, type AnyTask, type TaskColumns } from '../data/task_source.ts';
import type { TextTokenizer } from '../tokenizer/tokenizer_json.ts';
import type { InferenceSession } from 'onnxruntime-node';
import { encodeExamples, type EncodedSplit } from '../train/classifier_data.ts';
import { openExitBlocks } from './early_exit_model.ts';
import { checkCriterion, type ExitCriterion } from './early_exit_runner.ts';
import { exitCurve } from './evaluate_exits.ts';
import { readExportFolder } from './export_folder.ts';
import { scoreOnnx, scoreOnnxRegression } from './measure.ts';
import { openOnnxFile } from './onnx_file.ts';
import { evaluateTranslationOnnx, translationFileOf } from './translation_onnx.ts';

export interface EvalOnnxOptions {
  file: string;
  task: string;
  columns?: TaskColumns;
  split?: 'val' | 'test';
  examples?: number;
  threads?: number;
  /** Early-exit criteria: the result gets each one's point of the accuracy-latency curve (evaluate_exits.ts). */
  exits?: readonly ExitCriterion[];
  /** Rows per run for the early-exit curve (default 8). */
  batch?: number;
}

/** A regression file's Pearson, Spearman and squared error on the split, its output read as the predicted value. */
async function evaluateRegressionOnnx(file: string, task: AnyTask, seq: number, tok: TextTokenizer, options: EvalOnnxOptions): Promise<Record<string, unknown>> {
  const opened = await openOnnxFile(file, { threads: options.threads });
  try {
    const split = encodeExamples(tok, sampleExamples(task[options.split ?? 'test'], options.examples), seq, true);
    return { file, task: task.name, split: options.split ?? 'test', ...(await scoreOnnxRegression(opened.session, split, seq)), bytes: opened.bytes, checksum_verified: opened.verified };
  } finally {
    await opened.session.release();
  }
}

export async function evaluateOnnx(options: EvalOnnxOptions): Promise<Record<string, unknown>> {
  const file = path.resolve(options.file);
  if (!existsSync(file)) throw new Error(`${file} does not exist: pass an .onnx file inside a folder written by tltc export`);
  if (translationFileOf(file)) return evaluateTranslationOnnx(file, { examples: options.examples, threads: options.threads });
  const task = await resolveTask(options.task, options.columns ?? {});
  const { root, labels, tokenizer: tok, seq, regression } = readExportFolder(file);
  if (regression !== (task.kind === 'regression')) {
    throw new Error(`${path.join(root, 'config.json')} is a ${regression ? 'regression' : 'classification'} model, task ${task.name} has ${task.kind === 'regression' ? 'a numeric target' : 'classes'}: pass the task the model was fine-tuned on`);
  }
  if (regression) return evaluateRegressionOnnx(file, task, seq, tok, options);
  if (labels.length !== task.labels.length || labels.some((l, i) => l !== task.labels[i])) {
    throw new Error(`${path.join(root, 'config.json')} has labels [${labels.join(', ')}], task ${task.name} has [${task.labels.join(', ')}]: pass the task the model was fine-tuned on`);
  }
  const criteria = (options.exits ?? []).map((c) => checkCriterion(c, labels.length));
  const opened = await openOnnxFile(file, { threads: options.threads });
  try {
    const split = encodeExamples(tok, sampleExamples(task[options.split ?? 'test'], options.examples), seq);
    const { accuracy, macro_f1 } = await scoreOnnx(opened.session, split, seq, labels.length);
    const scored = { file, task: task.name, split: options.split ?? 'test', examples: split.count, accuracy, macro_f1, bytes: opened.bytes, checksum_verified: opened.verified };
    return criteria.length ? { ...scored, early_exit: await exitCurveOf(file, opened.session, split, seq, criteria, options) } : scored;
  } finally {
    await opened.session.release();
  }
}

/** The early-exit curve of the blocks beside `file`, with their bytes. */
async function exitCurveOf(file: string, whole: InferenceSession, split: EncodedSplit, seq: number, criteria: readonly ExitCriterion[], options: EvalOnnxOptions) {
  const blocks = await openExitBlocks(file, { threads: options.threads });
  try {
    return { block_bytes: blocks.bytes, ...(await exitCurve(blocks, whole, split, seq, criteria, options.batch, options.threads)) };
  } finally {
    await blocks.release();
  }
}
