/** Session feeds: the parameters (and optimizer moments) every tltc session takes by name. */
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
