/** Right-padded token rows for tests that compare a training graph with its deployment graph, and the feeds and comparisons they share. */
import type { Parameter } from '../../src/nn/params.ts';
import { ortTensor } from '../../src/runtime/session.ts';
import type { Random } from '../../src/util/random.ts';

/** One row per length: id 0 first, then random ids in [5, 195), padded to `seq` with id 1 under mask 0. */
export function paddedBatch(lengths: readonly number[], seq: number, rng: Random) {
  const batch = lengths.length;
  const ids = new BigInt64Array(batch * seq).fill(1n);
  const mask = new BigInt64Array(batch * seq);
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) [ids[b * seq + t], mask[b * seq + t]] = [BigInt(t === 0 ? 0 : 5 + rng.int(190)), 1n];
  });
  const feeds = () => ({ input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]) });
  return { batch, seq, ids, mask, feeds };
}

/** Parameters as graph inputs, by name. */
export const paramFeeds = (ps: readonly Parameter[]) => Object.fromEntries(ps.map((p) => [p.spec.name, ortTensor('float32', p.data, p.spec.shape)]));

/** Largest absolute difference between two arrays of the same length. */
export const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
