/** Scoring a classifier on a split, whatever computes its predictions: the training graph, an exported file, a baseline. */
import { accuracyInterval } from './bootstrap.ts';
import type { EncodedSplit } from './classifier_data.ts';
import { accuracy, argmaxRows, macroF1 } from './metrics.ts';

export interface SplitScores {
  accuracy: number;
  macro_f1: number;
  examples: number;
  /** Percentile bootstrap 95% interval of the accuracy (1,000 resamples). */
  accuracy_95: [number, number];
  /** How many classes the model predicts at all: 1 or 2 on a many-class task means it has not learned the task. */
  predicted_classes: number;
}

/** Scores of predictions `pred` against `gold`. */
export function scorePredictions(pred: Int32Array, gold: ArrayLike<number>, classes: number): SplitScores {
  const correct = Uint8Array.from(pred, (p, i) => (p === gold[i] ? 1 : 0));
  return {
    accuracy: accuracy(pred, gold),
    macro_f1: macroF1(pred, gold, classes),
    examples: pred.length,
    accuracy_95: accuracyInterval(correct),
    predicted_classes: new Set(pred).size,
  };
}

/** Logits of rows [start, start + n) of the split, at least n rows of `classes` values (padding rows after them are ignored). */
export type BatchLogits = (start: number, n: number) => Promise<Float32Array>;

/** The scores of the split, its logits computed `batch` rows at a time. */
export async function scoreBatches(split: EncodedSplit, classes: number, batch: number, logitsOf: BatchLogits): Promise<SplitScores> {
  const pred = new Int32Array(split.count);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    pred.set(argmaxRows(await logitsOf(start, n), n, classes), start);
  }
  return scorePredictions(pred, split.labels, classes);
}
