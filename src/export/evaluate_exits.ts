/**
 * `tltc eval --onnx FILE --exit-entropy T1,T2,...`: an early-exit classifier's accuracy against
 * the layers it runs and its measured time, one point per criterion, beside the whole model as
 * one graph. Every pass sees the same batches, each cut to its longest row, so the points differ
 * only in where rows leave.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { defaultThreads, ortTensor } from '../runtime/session.ts';
import { machineInfo } from '../util/machine.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import { scorePredictions, type SplitScores } from '../train/classifier_scores.ts';
import { argmaxRows } from '../train/metrics.ts';
import { runWithExits, type ExitCriterion } from './early_exit_runner.ts';
import type { OpenedExits } from './early_exit_model.ts';

export interface ExitCurvePoint extends SplitScores {
  criterion: ExitCriterion;
  /** Mean layers run per example, and how many examples left after each layer. */
  mean_layers: number;
  left_at_layer: number[];
  /** Wall milliseconds per example over the split (the faster of two passes). */
  ms_per_example: number;
}

export interface ExitCurve {
  batch: number;
  /** The machine the times were measured on (CPU, its instruction sets, threads). */
  machine: Record<string, unknown>;
  layers: number;
  /** The whole model as one graph (model.onnx's own file), on the same batches. */
  full: SplitScores & { ms_per_example: number };
  points: ExitCurvePoint[];
}

/** Rows [start, start + n) of the split cut to their longest row: ids, mask and that length. */
function batchRows(split: EncodedSplit, seq: number, start: number, n: number): { ids: BigInt64Array; mask: BigInt64Array; len: number } {
  let len = 1;
  for (let r = start; r < start + n; r++) for (let t = len; t < seq; t++) if (split.mask[r * seq + t] !== 0n) len = t + 1;
  const ids = new BigInt64Array(n * len);
  const mask = new BigInt64Array(n * len);
  for (let i = 0; i < n; i++) {
    ids.set(split.ids.subarray((start + i) * seq, (start + i) * seq + len), i * len);
    mask.set(split.mask.subarray((start + i) * seq, (start + i) * seq + len), i * len);
  }
  return { ids, mask, len };
}

type BatchRun = (ids: BigInt64Array, mask: BigInt64Array, n: number, len: number) => Promise<{ logits: Float32Array; layers?: Int32Array }>;

/** Predictions and layers of a pass over the split, and its wall milliseconds. */
async function pass(split: EncodedSplit, seq: number, classes: number, batch: number, run: BatchRun): Promise<{ pred: Int32Array; layers: Int32Array; ms: number }> {
  const pred = new Int32Array(split.count);
  const layers = new Int32Array(split.count);
  const t0 = performance.now();
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const { ids, mask, len } = batchRows(split, seq, start, n);
    const out = await run(ids, mask, n, len);
    pred.set(argmaxRows(out.logits, n, classes), start);
    if (out.layers) layers.set(out.layers, start);
  }
  return { pred, layers, ms: performance.now() - t0 };
}

/** The faster of two passes (the first also warms the sessions). */
async function timedPass(split: EncodedSplit, seq: number, classes: number, batch: number, run: BatchRun) {
  const first = await pass(split, seq, classes, batch, run);
  const second = await pass(split, seq, classes, batch, run);
  return { ...second, ms: Math.min(first.ms, second.ms) };
}

export async function exitCurve(blocks: OpenedExits, full: InferenceSession, split: EncodedSplit, seq: number, criteria: readonly ExitCriterion[], batch = 8, threads = defaultThreads()): Promise<ExitCurve> {
  const classes = blocks.classes;
  const whole = await timedPass(split, seq, classes, batch, async (ids, mask, n, len) => {
    const out = await full.run({ input_ids: ortTensor('int64', ids, [n, len]), attention_mask: ortTensor('int64', mask, [n, len]) }, ['logits']);
    return { logits: out.logits.data as Float32Array };
  });
  const points: ExitCurvePoint[] = [];
  for (const criterion of criteria) {
    const r = await timedPass(split, seq, classes, batch, (ids, mask, n, len) => runWithExits(blocks, ids, mask, n, len, criterion));
    const leftAt = Array.from({ length: blocks.layers.length }, (_, i) => r.layers.filter((l) => l === i + 1).length);
    const mean = r.layers.reduce((a, l) => a + l, 0) / split.count;
    points.push({ criterion, ...scorePredictions(r.pred, split.labels, classes), mean_layers: mean, left_at_layer: leftAt, ms_per_example: r.ms / split.count });
  }
  return { batch, machine: machineInfo(threads), layers: blocks.layers.length, full: { ...scorePredictions(whole.pred, split.labels, classes), ms_per_example: whole.ms / split.count }, points };
}
