/**
 * Export and measure: a classifier written as an ONNX file in a weight format, then read back
 * from disk and measured as deployed through onnxruntime-node: accuracy on the task split, bytes,
 * median latency at batch 1 and 8.
 */
import { readFileSync, statSync } from 'node:fs';
import { buildClassifierExport } from '../export/encoder_graph.ts';
import { medianLatency, scoreOnnx } from '../export/measure.ts';
import type { WeightFormat } from '../export/weight_format.ts';
import { serializeGraph } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { createSession } from '../runtime/session.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import { writeFileAtomic } from '../util/atomic.ts';

export interface ReferenceMeasurement {
  bytes: number;
  accuracy: number;
  macro_f1: number;
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
    const { accuracy, macro_f1, accuracy_95, predicted_classes } = await scoreOnnx(session, m.split, model.max_len, m.classes);
    const seq = Math.min(128, model.max_len);
    const latency_ms = { batch1: await medianLatency(session, 1, seq), batch8: await medianLatency(session, 8, seq) };
    return { file, bytes: statSync(file).size, accuracy, macro_f1, accuracy_95, predicted_classes, latency_ms };
  } finally {
    await session.release();
  }
}
