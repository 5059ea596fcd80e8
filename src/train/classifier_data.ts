/** Task examples as fixed-length token rows for the classifier: encoding and batching. */
import type { Example } from '../data/tasks.ts';
import { ortTensor } from '../runtime/session.ts';
import { BOS, EOS, PAD } from '../tokenizer/tokenizer.ts';
import type { TextTokenizer } from '../tokenizer/tokenizer_json.ts';

/**
 * Cuts the longer of two token lists one token at a time until both fit in `room` together
 * (the "longest first" rule of Hugging Face tokenizers, so exported pipelines encode pairs the same way).
 */
function truncateLongestFirst(a: number[], b: number[], room: number): [number[], number[]] {
  let [na, nb] = [a.length, b.length];
  while (na + nb > room) {
    if (na > nb) na--;
    else nb--;
  }
  return [a.slice(0, na), b.slice(0, nb)];
}

/** One example's tokens: <s> text </s>, or for a pair <s> a </s></s> b </s> as RoBERTa encodes pairs, within `seq`. */
export function exampleTokens(tok: TextTokenizer, e: Pick<Example, 'text' | 'pair'>, seq: number): number[] {
  if (e.pair === undefined) return [BOS, ...tok.encode(e.text).slice(0, seq - 2), EOS];
  const [a, b] = truncateLongestFirst(tok.encode(e.text), tok.encode(e.pair), seq - 4);
  return [BOS, ...a, EOS, EOS, ...b, EOS];
}

/** Encoded examples (exampleTokens), padded with <pad> to `seq`. */
export interface EncodedSplit {
  ids: BigInt64Array;
  mask: BigInt64Array;
  labels: Int32Array;
  /** A regression task's targets (then `labels` is unused). */
  targets?: Float32Array;
  count: number;
}

export function encodeExamples(tok: TextTokenizer, examples: readonly Example[], seq: number, regression = false): EncodedSplit {
  const ids = new BigInt64Array(examples.length * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(examples.length * seq);
  const labels = new Int32Array(examples.length);
  examples.forEach((e, i) => {
    exampleTokens(tok, e, seq).forEach((t, j) => {
      ids[i * seq + j] = BigInt(t);
      mask[i * seq + j] = 1n;
    });
    labels[i] = e.label;
  });
  return { ids, mask, labels, ...(regression ? { targets: Float32Array.from(examples, (e) => e.label) } : {}), count: examples.length };
}

/** Rows `rows` of a split as a batch; missing rows (the last, partial batch) are padding with label -100. */
export function batchOf(split: EncodedSplit, rows: ArrayLike<number>, batch: number, seq: number) {
  const ids = new BigInt64Array(batch * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(batch * seq);
  const labels = new BigInt64Array(batch).fill(-100n);
  for (let b = 0; b < rows.length; b++) {
    const r = rows[b];
    ids.set(split.ids.subarray(r * seq, (r + 1) * seq), b * seq);
    mask.set(split.mask.subarray(r * seq, (r + 1) * seq), b * seq);
    mask[b * seq] = 1n; // keeps every padding row's softmax defined
    labels[b] = BigInt(split.labels[r]);
  }
  for (let b = rows.length; b < batch; b++) mask[b * seq] = 1n;
  const inputs = { input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]) };
  if (!split.targets) return { ...inputs, labels: ortTensor('int64', labels, [batch]) };
  // Regression: float targets, and weights that leave the padding rows out of the mean.
  const targets = new Float32Array(batch);
  const weights = new Float32Array(batch);
  for (let b = 0; b < rows.length; b++) [targets[b], weights[b]] = [split.targets[rows[b]], 1];
  return { ...inputs, labels: ortTensor('float32', targets, [batch]), label_weights: ortTensor('float32', weights, [batch]) };
}

/** The split's rows as an evaluator's inputs (input_ids and attention_mask, no labels), padded to `batch` rows. */
export function rowInputs(split: EncodedSplit, batch: number, seq: number): (rows: number[]) => { input_ids: unknown; attention_mask: unknown } {
  return (rows) => {
    const { input_ids, attention_mask } = batchOf(split, rows, batch, seq);
    return { input_ids, attention_mask };
  };
}
