/**
 * Measures an exported classifier through onnxruntime-node, as deployed: accuracy on a task
 * split, bytes on disk, and median latency at batch 1 and 8 (sequence 128, warm-up excluded).
 */
import type { InferenceSession } from 'onnxruntime-node';
import { ortTensor } from '../runtime/session.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import { scoreBatches, type SplitScores } from '../train/classifier_scores.ts';
import { scoreRegression, type RegressionScores } from '../train/regression_scores.ts';

/** Runs the split through the session in batches of `batch` (the last one shorter: the axes are dynamic). */
export async function scoreOnnx(session: InferenceSession, split: EncodedSplit, seq: number, classes: number, batch = 8): Promise<SplitScores> {
  return scoreBatches(split, classes, batch, async (start, n) => {
    const ids = split.ids.subarray(start * seq, (start + n) * seq);
    const mask = split.mask.subarray(start * seq, (start + n) * seq);
    const out = await session.run({ input_ids: ortTensor('int64', ids, [n, seq]), attention_mask: ortTensor('int64', mask, [n, seq]) }, ['logits']);
    return out.logits.data as Float32Array;
  });
}

/** A regression file's output read as the predicted value of every row, scored against the split's targets. */
export async function scoreOnnxRegression(session: InferenceSession, split: EncodedSplit, seq: number, batch = 8): Promise<RegressionScores> {
  const predicted = new Float32Array(split.count);
  for (let start = 0; start < split.count; start += batch) {
    const n = Math.min(batch, split.count - start);
    const rows = (a: BigInt64Array) => ortTensor('int64', a.subarray(start * seq, (start + n) * seq), [n, seq]);
    const out = await session.run({ input_ids: rows(split.ids), attention_mask: rows(split.mask) }, ['logits']);
    predicted.set((out.logits.data as Float32Array).subarray(0, n), start);
  }
  return scoreRegression(predicted, split.targets!);
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
