/** Session feeds: the parameters (and optimizer moments) every tltc session takes by name. */
import type { InferenceSession } from 'onnxruntime-node';
import type { Parameter } from '../nn/params.ts';
import { ortTensor } from '../runtime/session.ts';
import { momentInputName } from './step_graph.ts';

/** Tensors by graph input name, as InferenceSession.run takes them. */
export type Feeds = Record<string, unknown>;

/**
 * Adds each parameter under its name (float32, its spec's shape, no copy) to `feeds` and returns
 * it: parameterFeeds(params, { input_ids, attention_mask }) feeds an eval graph.
 */
export function parameterFeeds(params: readonly Parameter[], feeds: Feeds = {}): Feeds {
  for (const p of params) feeds[p.spec.name] = ortTensor('float32', p.data, p.spec.shape);
  return feeds;
}

/** Adds the Adam moments m[i] and v[i] of params[i] under the step graph's moment input names. */
export function momentFeeds(params: readonly Parameter[], m: readonly Float32Array[], v: readonly Float32Array[], feeds: Feeds = {}): Feeds {
  params.forEach((p, i) => {
    feeds[momentInputName('m', p.spec.name)] = ortTensor('float32', m[i], p.spec.shape);
    feeds[momentInputName('v', p.spec.name)] = ortTensor('float32', v[i], p.spec.shape);
  });
  return feeds;
}

/** A split's rows as graph inputs: `input_ids` and `attention_mask` of the given rows, padded to a full batch. */
export type RowInputs = (rows: number[]) => Feeds;

/**
 * Runs rows [0, count) through an evaluator `batch` at a time, the parameters fed beside each
 * batch's inputs, and hands each result to `take` with the batch's first row and its real rows.
 */
export async function runRowBatches(session: InferenceSession, params: readonly Parameter[], count: number, batch: number, inputsOf: RowInputs, take: (out: InferenceSession.ReturnType, start: number, n: number) => void): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    take(await session.run(parameterFeeds(params, inputsOf(Array.from({ length: n }, (_, i) => start + i))) as never), start, n);
  }
}
