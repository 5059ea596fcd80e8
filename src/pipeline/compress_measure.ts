/**
 * Export and measure: a classifier written as an ONNX file in a weight format, then read back
 * from disk and measured as deployed through onnxruntime-node: accuracy on the task split (for a
 * regression head, Pearson's r in its place), bytes, median latency at batch 1 and 8.
 */
import { readFileSync, statSync } from 'node:fs';
import type { InferenceSession } from 'onnxruntime-node';
import { buildClassifierExport } from '../export/encoder_graph.ts';
import { medianLatency, scoreOnnx, scoreOnnxRegression } from '../export/measure.ts';
import type { WeightFormat } from '../export/weight_format.ts';
import { serializeGraph } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { createSession } from '../runtime/session.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import type { RegressionScores } from '../train/regression_scores.ts';
import { writeFileAtomic } from '../util/atomic.ts';

export interface ReferenceMeasurement {
  bytes: number;
  /** The task's score: accuracy, or for a regression head Pearson's r (as GLUE scores STS-B). */
  accuracy: number;
  /** Classes only. */
  macro_f1?: number;
  /** A regression head's scores in full. */
  regression?: RegressionScores;
  /** Bootstrap 95% interval of the accuracy, and how many classes the file predicts. */
  accuracy_95?: [number, number];
  predicted_classes?: number;
  latency_ms: { batch1: number; batch8: number };
  /** The measured fp32 file, when it may be shared (linked) rather than exported again. */
  file?: string;
}

export interface Measured extends ReferenceMeasurement {
  file: string;
}

export interface Measurement {
  split: EncodedSplit;
  classes: number;
  threads: number;
  quantizeEmbeddings: boolean;
  /** A one-output head scored on the split's targets (`split.targets`). */
  regression?: boolean;
}

/** Writes the classifier `params` of `model` to `file` in `format`. */
export function writeClassifier(file: string, model: ModelConfig, params: ReadonlyMap<string, Float32Array>, format: WeightFormat, m: Measurement): void {
  writeFileAtomic(file, serializeGraph(buildClassifierExport({ model, numLabels: m.classes, params, format, quantizeEmbeddings: m.quantizeEmbeddings })));
}

/** Exports, then measures the file as written. Latency at sequence min(128, max_len). */
export async function exportAndMeasure(file: string, model: ModelConfig, params: ReadonlyMap<string, Float32Array>, format: WeightFormat, m: Measurement): Promise<Measured> {
  writeClassifier(file, model, params, format, m);
  const session = await createSession(readFileSync(file), { threads: m.threads });
  try {
    const scores = await scoreMeasured(session, model.max_len, m);
    const seq = Math.min(128, model.max_len);
    const latency_ms = { batch1: await medianLatency(session, 1, seq), batch8: await medianLatency(session, 8, seq) };
    return { file, bytes: statSync(file).size, ...scores, latency_ms };
  } finally {
    await session.release();
  }
}

async function scoreMeasured(session: InferenceSession, seq: number, m: Measurement): Promise<Pick<ReferenceMeasurement, 'accuracy' | 'macro_f1' | 'accuracy_95' | 'predicted_classes' | 'regression'>> {
  if (m.regression) {
    const regression = await scoreOnnxRegression(session, m.split, seq);
    return { accuracy: regression.pearson, accuracy_95: regression.pearson_95, regression };
  }
  const { accuracy, macro_f1, accuracy_95, predicted_classes } = await scoreOnnx(session, m.split, seq, m.classes);
  return { accuracy, macro_f1, accuracy_95, predicted_classes };
}
