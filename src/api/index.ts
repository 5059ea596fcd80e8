/**
 * The library: `import { train, finetune, compress, exportModel, predict, plan } from 'tltc'`.
 * Each takes the options its command takes (camel-cased, as the CLI hands them on); the CLI is a
 * thin layer over the same functions.
 */
import { exportHuggingFace } from '../export/hf_export.ts';
import { exportTransformersJs } from '../export/transformersjs.ts';
import { classifyAll, openClassifier, type PredictInput, type Prediction } from '../pipeline/predict.ts';
import { parseTrainConfig } from '../train/config.ts';
import { train as trainRun, type TrainOptions, type TrainResult } from '../train/trainer.ts';

export { finetune, type FinetuneOptions, type FinetuneResult } from '../pipeline/finetune.ts';
export { finetuneRegression, type RegressionFinetuneResult } from '../pipeline/finetune_regression.ts';
export type { RegressionScores } from '../train/regression_scores.ts';
export { compress, type CompressOptions } from '../pipeline/compress.ts';
export { plan, type PlanOptions } from '../experiments/plan.ts';
export type { TrainOptions, TrainProgress, TrainResult } from '../train/trainer.ts';
export type { TrainConfig } from '../train/config.ts';
export type { MetricsRow } from '../train/run_log.ts';
export type { PredictInput, Prediction } from '../pipeline/predict.ts';
export type { TaskColumns } from '../data/task_source.ts';

/**
 * Pretrains a masked language model. `config` is what a `--config` file holds (validated the
 * same way; unknown keys are refused), e.g. `{ model: 'L2-H128', budget: '2m' }`.
 */
export function train(config: unknown, options: TrainOptions): Promise<TrainResult> {
  return trainRun(parseTrainConfig(config, 'train config'), options);
}

export interface ExportModelOptions {
  checkpoint: string;
  outDir: string;
  /** 'transformersjs' (default): onnx/ files transformers.js and onnxruntime load; 'hf': config.json and model.safetensors for Hugging Face transformers. */
  format?: 'transformersjs' | 'hf';
  /** transformersjs: the weight formats to write (default fp32, int8, int4). */
  quant?: string[];
}

export async function exportModel(options: ExportModelOptions): Promise<Record<string, unknown>> {
  if (options.format === 'hf') return { ...(await exportHuggingFace({ checkpoint: options.checkpoint, outDir: options.outDir })) };
  return { ...(await exportTransformersJs({ checkpoint: options.checkpoint, outDir: options.outDir, formats: options.quant })) };
}

export interface PredictOptions {
  /** A fine-tuned checkpoint, or instead an exported classifier file (onnx/*.onnx in its folder). */
  checkpoint?: string;
  onnx?: string;
  /** Texts, or pairs as { text, text_pair }. */
  inputs: Iterable<string | PredictInput> | AsyncIterable<string | PredictInput>;
  topK?: number;
  batch?: number;
  threads?: number;
}

async function* asInputs(inputs: PredictOptions['inputs']): AsyncGenerator<PredictInput> {
  for await (const x of inputs) yield typeof x === 'string' ? { text: x } : x;
}

/** Predictions one at a time, in input order, as each batch is scored: for inputs too many to hold. */
export async function* predictStream(options: PredictOptions): AsyncGenerator<Prediction> {
  const classifier = await openClassifier({ checkpoint: options.checkpoint, onnx: options.onnx }, options.threads);
  try {
    yield* classifyAll(classifier, asInputs(options.inputs), { topK: options.topK, batch: options.batch });
  } finally {
    await classifier.release();
  }
}

/** Every prediction, in input order. */
export async function predict(options: PredictOptions): Promise<Prediction[]> {
  const all: Prediction[] = [];
  for await (const p of predictStream(options)) all.push(p);
  return all;
}
