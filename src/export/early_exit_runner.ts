/**
 * Running an early-exit classifier's blocks (early_exit_graphs.ts): the embeddings, then layer
 * after layer on the rows still in the batch. After each layer a row leaves when its exit is
 * confident, by DeeBERT's criterion (the softmax's entropy under a threshold) or PABEE's (the
 * same class for `patience` layers in a row); the rows that stay go on as a smaller batch,
 * trimmed to their longest sequence, so a row that left costs nothing more.
 */
import { softmaxEntropy } from '../nn/early_exit.ts';
import { ortTensor, type ort } from '../runtime/session.ts';

export type ExitCriterion = { kind: 'entropy'; threshold: number } | { kind: 'patience'; patience: number };

/** A criterion checked against the classes it will judge: one line when it cannot mean anything. */
export function checkCriterion(c: ExitCriterion, classes: number): ExitCriterion {
  const most = Math.log(classes);
  if (c.kind === 'entropy' && !(c.threshold >= 0 && c.threshold <= most)) {
    throw new Error(`--exit-entropy ${c.threshold} is outside [0, ln(${classes} classes) = ${most.toFixed(3)}]: 0 never leaves early, ${most.toFixed(3)} leaves at the first layer`);
  }
  if (c.kind === 'patience' && !(Number.isInteger(c.patience) && c.patience >= 1)) throw new Error(`--exit-patience ${c.patience} must be a whole number of layers, at least 1`);
  return c;
}

/** Each row's logits from the exit it left at, and how many layers it ran (1-based). */
export interface ExitedBatch {
  logits: Float32Array;
  layers: Int32Array;
}

/** The sessions of the blocks: embeddings, then one per layer. */
export interface ExitSessions {
  embeddings: ort.InferenceSession;
  layers: ort.InferenceSession[];
  classes: number;
  dModel: number;
}

const argmax = (row: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
};

/** Per-row state of the patience criterion: the last layer's class and for how many layers it has held. */
class ExitJudge {
  private readonly last: Int32Array;
  private readonly streak: Int32Array;

  constructor(
    private readonly criterion: ExitCriterion,
    rows: number,
  ) {
    this.last = new Int32Array(rows).fill(-1);
    this.streak = new Int32Array(rows);
  }

  leaves(row: number, logits: ArrayLike<number>): boolean {
    if (this.criterion.kind === 'entropy') return softmaxEntropy(logits) < this.criterion.threshold;
    const label = argmax(logits);
    this.streak[row] = label === this.last[row] ? this.streak[row] + 1 : 0;
    this.last[row] = label;
    return this.streak[row] >= this.criterion.patience;
  }
}

/** The rows `keep` of a (rows, seq, width) array, cut to `seq2` positions each. */
function gatherRows<T extends Float32Array | BigInt64Array>(data: T, keep: readonly number[], seq: number, width: number, seq2: number): T {
  const out = new (data.constructor as new (n: number) => T)(keep.length * seq2 * width);
  // The typed-array union has no common `set`; each concrete type copies its own kind.
  keep.forEach((r, i) => (out as Float32Array).set(data.subarray(r * seq * width, (r * seq + seq2) * width) as Float32Array, i * seq2 * width));
  return out;
}

/** The positions the rows' masks use: right padding past the longest row is dropped. */
function longestRow(mask: BigInt64Array, rows: readonly number[], seq: number): number {
  let longest = 1;
  for (const r of rows) for (let t = seq - 1; t >= longest; t--) if (mask[r * seq + t] !== 0n) longest = t + 1;
  return longest;
}

/** Runs a right-padded (batch, seq) batch through the blocks, each row leaving at its exit. */
export async function runWithExits(s: ExitSessions, ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number, criterion: ExitCriterion): Promise<ExitedBatch> {
  const k = s.classes;
  const result: ExitedBatch = { logits: new Float32Array(batch * k), layers: new Int32Array(batch) };
  const judge = new ExitJudge(criterion, batch);
  let rows = Array.from({ length: batch }, (_, i) => i); // original row of each row in the batch
  let [curMask, curSeq] = [mask, seq];
  let hidden = (await s.embeddings.run({ input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]) })).hidden_out.data as Float32Array;
  for (let layer = 0; layer < s.layers.length; layer++) {
    const last = layer === s.layers.length - 1;
    const out = await s.layers[layer].run({ hidden: ortTensor('float32', hidden, [rows.length, curSeq, s.dModel]), attention_mask: ortTensor('int64', curMask, [rows.length, curSeq]) });
    const logits = out.logits.data as Float32Array;
    const keep: number[] = [];
    rows.forEach((row, i) => {
      const own = logits.subarray(i * k, (i + 1) * k);
      if (!last && !judge.leaves(row, own)) return void keep.push(i);
      result.logits.set(own, row * k);
      result.layers[row] = layer + 1;
    });
    if (keep.length === 0) break;
    const seq2 = longestRow(curMask, keep, curSeq);
    hidden = gatherRows(out.hidden_out.data as Float32Array, keep, curSeq, s.dModel, seq2);
    curMask = gatherRows(curMask, keep, curSeq, 1, seq2);
    [rows, curSeq] = [keep.map((i) => rows[i]), seq2];
  }
  return result;
}
