/**
 * Measures an exported classifier through onnxruntime-node, as deployed: accuracy on a task
 * split, bytes on disk, and median latency at batch 1 and 8 (sequence 128, warm-up excluded).
 */
import type { InferenceSession } from 'onnxruntime-node';
import { ortTensor } from '../runtime/session.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import { accuracy, argmaxRows, macroF1 } from '../train/metrics.ts';

export interface OnnxScores {
  accuracy: number;
  macro_f1: number;
}

/** Runs the split through the session in batches of `batch` (the last one shorter: the axes are dynamic). */
export async function scoreOnnx(session: InferenceSession, split: EncodedSplit, seq: number, classes: number, batch = 8): Promise<OnnxScores> {
  const pred = new Int32Array(split.count);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const ids = split.ids.subarray(start * seq, (start + n) * seq);
    const mask = split.mask.subarray(start * seq, (start + n) * seq);
    const out = await session.run({ input_ids: ortTensor('int64', ids, [n, seq]), attention_mask: ortTensor('int64', mask, [n, seq]) }, ['logits']);
    argmaxRows(out.logits.data as Float32Array, n, classes).forEach((c, i) => (pred[start + i] = c));
  }
  return { accuracy: accuracy(pred, split.labels), macro_f1: macroF1(pred, split.labels, classes) };
}

/** Median milliseconds of `runs` calls at (batch, seq) after `warmup` calls. */
export async function medianLatency(session: InferenceSession, batch: number, seq: number, runs = 20, warmup = 3): Promise<number> {
  const ids = new BigInt64Array(batch * seq).fill(5n);
  const mask = new BigInt64Array(batch * seq).fill(1n);
  const feeds = { input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]) };
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
