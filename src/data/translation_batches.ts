/**
 * Teacher-forced translation batches of a fixed shape. Batch k is a pure function of (seed, k)
 * (each epoch a seeded permutation of the pairs), so a resumed run sees exactly the data an
 * uninterrupted one would, and every model size of a sweep sees the same pairs in the same order.
 */
import { BOS, EOS, PAD } from '../tokenizer/tokenizer.ts';
import { Random } from '../util/random.ts';

/** Token ids of each side of each pair, without special tokens. */
export interface EncodedPairs {
  source: Uint16Array[];
  target: Uint16Array[];
}

export interface PairShape {
  batch: number;
  /** Source length: <s> + tokens + </s>, padded. */
  source: number;
  /** Target length: the start token + tokens (decoder input) and tokens + </s> (labels), padded. */
  target: number;
}

export interface PairBatch {
  /** (batch, source) ids and their mask (1 = token, 0 = padding). */
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  /** (batch, target) decoder inputs: DECODER_START then the target. */
  decoderIds: BigInt64Array;
  /** (batch * target) next tokens, -100 at padding. */
  labels: BigInt64Array;
  /** Labels that count (not -100): the tokens the loss averages over. */
  targetTokens: number;
}

/** The decoder's first input, as BART and Marian start it: the end-of-sequence token. */
export const DECODER_START = EOS;

/** Source ids as the encoder reads them: <s> x </s>, cut to `length` (the end token kept). */
export function sourceIds(tokens: ArrayLike<number>, length: number): number[] {
  const body = Array.from(tokens).slice(0, length - 2);
  return [BOS, ...body, EOS];
}

/** Batch of `rows` of `pairs` (padding rows when fewer than shape.batch). */
export function pairBatch(pairs: EncodedPairs, rows: readonly number[], shape: PairShape): PairBatch {
  const { batch, source, target } = shape;
  const inputIds = new BigInt64Array(batch * source).fill(BigInt(PAD));
  const attentionMask = new BigInt64Array(batch * source);
  const decoderIds = new BigInt64Array(batch * target).fill(BigInt(PAD));
  const labels = new BigInt64Array(batch * target).fill(-100n);
  let targetTokens = 0;
  rows.forEach((r, b) => {
    sourceIds(pairs.source[r], source).forEach((id, t) => {
      inputIds[b * source + t] = BigInt(id);
      attentionMask[b * source + t] = 1n;
    });
    const y = Array.from(pairs.target[r]).slice(0, target - 1);
    [DECODER_START, ...y].forEach((id, t) => (decoderIds[b * target + t] = BigInt(id)));
    [...y, EOS].forEach((id, t) => (labels[b * target + t] = BigInt(id)));
    targetTokens += y.length + 1;
  });
  // A row with no source still needs one attended position, or its attention has nothing to normalize over.
  for (let b = rows.length; b < batch; b++) attentionMask[b * source] = 1n;
  return { inputIds, attentionMask, decoderIds, labels, targetTokens };
}

export class PairBatcher {
  private epoch = -1;
  private order = new Int32Array(0);

  constructor(
    private readonly pairs: EncodedPairs,
    readonly shape: PairShape,
    private readonly seed: number,
  ) {
    if (pairs.source.length < shape.batch) throw new Error(`the training split has ${pairs.source.length} pairs, fewer than one batch of ${shape.batch}: lower batch_size`);
  }

  /** Batch k (0-based): the k-th run of shape.batch pairs through the concatenated epoch permutations. */
  batch(k: number): PairBatch {
    const n = this.pairs.source.length;
    const perEpoch = Math.floor(n / this.shape.batch);
    const epoch = Math.floor(k / perEpoch);
    if (epoch !== this.epoch) {
      this.order = new Random(this.seed, 0x7a11, epoch).shuffle(Int32Array.from({ length: n }, (_, i) => i));
      this.epoch = epoch;
    }
    const start = (k % perEpoch) * this.shape.batch;
    return pairBatch(this.pairs, Array.from(this.order.subarray(start, start + this.shape.batch)), this.shape);
  }
}
