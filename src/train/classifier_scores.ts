/** Scoring a classifier on a split, whatever computes its logits: the training-graph evaluator or an exported file. */
import type { EncodedSplit } from './classifier_data.ts';
import { accuracy, argmaxRows, macroF1 } from './metrics.ts';

export interface SplitScores {
  accuracy: number;
  macro_f1: number;
  examples: number;
}

/** Logits of rows [start, start + n) of the split, at least n rows of `classes` values (padding rows after them are ignored). */
export type BatchLogits = (start: number, n: number) => Promise<Float32Array>;

/** Accuracy and macro-F1 of the split, computed `batch` rows at a time. */
export async function scoreBatches(split: EncodedSplit, classes: number, batch: number, logitsOf: BatchLogits): Promise<SplitScores> {
  const pred = new Int32Array(split.count);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    pred.set(argmaxRows(await logitsOf(start, n), n, classes), start);
  }
  return { accuracy: accuracy(pred, split.labels), macro_f1: macroF1(pred, split.labels, classes), examples: split.count };
}
