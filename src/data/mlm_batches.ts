/**
 * Masked-LM batches from a packed token stream. Batch k is a pure function of (seed, k), so a
 * resumed run sees exactly the data an uninterrupted one would.
 */
import { BOS, EOS, FIRST_REGULAR_ID, MASK } from '../tokenizer/tokenizer.ts';
import { Random } from '../util/random.ts';

export interface MlmBatchShape {
  batch: number;
  seq: number;
  maskProb: number;
}

export interface MlmBatch {
  /** (batch, seq) token ids after masking. */
  inputIds: BigInt64Array;
  /** Flat indices b * seq + t of the predicted positions, `maskedPerSequence` per sequence. */
  maskedPositions: BigInt64Array;
  /** Original tokens at those positions. */
  labels: BigInt64Array;
}

/** Predicted positions per sequence: mask_prob of the positions between <s> and </s>, at least one. */
export function maskedPerSequence(seq: number, maskProb: number): number {
  return Math.max(1, Math.round(maskProb * (seq - 2)));
}

/** Each sequence is <s> + (seq - 2) stream tokens + </s>; documents in the stream end with </s>. */
export class PackedSequences {
  readonly count: number;
  readonly body: number;

  constructor(
    private readonly stream: Uint16Array,
    readonly seq: number,
  ) {
    this.body = seq - 2;
    this.count = Math.floor(stream.length / this.body);
    if (this.count < 1) {
      throw new Error(`the corpus has ${stream.length} tokens, fewer than one sequence of ${seq}: use a larger corpus or a shorter seq_len`);
    }
  }

  write(index: number, out: BigInt64Array, offset: number): void {
    const start = index * this.body;
    out[offset] = BigInt(BOS);
    for (let i = 0; i < this.body; i++) out[offset + 1 + i] = BigInt(this.stream[start + i]);
    out[offset + this.seq - 1] = BigInt(EOS);
  }
}

/** Applies RoBERTa masking in place: of the chosen positions 80% become <mask>, 10% a random token, 10% stay. */
export function maskSequences(ids: BigInt64Array, shape: MlmBatchShape, vocabSize: number, rng: Random): Omit<MlmBatch, 'inputIds'> {
  const k = maskedPerSequence(shape.seq, shape.maskProb);
  const maskedPositions = new BigInt64Array(shape.batch * k);
  const labels = new BigInt64Array(shape.batch * k);
  const candidates = new Int32Array(shape.seq - 2);
  for (let b = 0; b < shape.batch; b++) {
    for (let i = 0; i < candidates.length; i++) candidates[i] = i + 1;
    // Partial Fisher-Yates: the first k entries are a uniform sample without replacement.
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(candidates.length - i);
      [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
    }
    const chosen = Array.from(candidates.subarray(0, k)).sort((x, y) => x - y);
    chosen.forEach((t, i) => {
      const flat = b * shape.seq + t;
      maskedPositions[b * k + i] = BigInt(flat);
      labels[b * k + i] = ids[flat];
      const r = rng.next();
      if (r < 0.8) ids[flat] = BigInt(MASK);
      else if (r < 0.9) ids[flat] = BigInt(FIRST_REGULAR_ID + rng.int(vocabSize - FIRST_REGULAR_ID));
    });
  }
  return { maskedPositions, labels };
}

/** Training batches: a seeded permutation of sequences per epoch, masking seeded per step. */
export class MlmBatcher {
  private readonly sequences: PackedSequences;
  private epochOrder: { epoch: number; order: Int32Array } | null = null;

  constructor(
    stream: Uint16Array,
    readonly shape: MlmBatchShape,
    readonly vocabSize: number,
    readonly seed: number,
  ) {
    this.sequences = new PackedSequences(stream, shape.seq);
  }

  get sequencesPerEpoch(): number {
    return this.sequences.count;
  }

  /** The batch for 0-based step `k`. */
  batch(k: number): MlmBatch {
    const { batch, seq } = this.shape;
    const inputIds = new BigInt64Array(batch * seq);
    for (let b = 0; b < batch; b++) {
      const global = k * batch + b;
      const epoch = Math.floor(global / this.sequences.count);
      this.sequences.write(this.order(epoch)[global % this.sequences.count], inputIds, b * seq);
    }
    const masking = maskSequences(inputIds, this.shape, this.vocabSize, new Random(this.seed, 0x6d61736b, k));
    return { inputIds, ...masking };
  }

  private order(epoch: number): Int32Array {
    if (this.epochOrder?.epoch !== epoch) {
      const order = Int32Array.from({ length: this.sequences.count }, (_, i) => i);
      new Random(this.seed, 0x6f726472, epoch).shuffle(order);
      this.epochOrder = { epoch, order };
    }
    return this.epochOrder.order;
  }
}

/** The fixed validation set: the first `count` validation sequences, masked with a fixed seed. */
/**
 * Validation sequences are always masked at this rate, with one fixed mask for the corpus, so
 * runs trained with other mask rates report comparable perplexities.
 */
export const VALIDATION_MASK_PROB = 0.15;

export function validationBatches(stream: Uint16Array, shape: MlmBatchShape, vocabSize: number, count: number): MlmBatch[] {
  const sequences = new PackedSequences(stream, shape.seq);
  const total = Math.min(count, sequences.count);
  const batches: MlmBatch[] = [];
  const rng = new Random(0x76616c);
  for (let start = 0; start + shape.batch <= total; start += shape.batch) {
    const inputIds = new BigInt64Array(shape.batch * shape.seq);
    // Spread over the whole validation stream rather than its first documents.
    for (let b = 0; b < shape.batch; b++) {
      sequences.write(Math.floor(((start + b) * sequences.count) / total), inputIds, b * shape.seq);
    }
    batches.push({ inputIds, ...maskSequences(inputIds, shape, vocabSize, rng) });
  }
  if (batches.length === 0 && count < shape.batch) {
    throw new Error(`eval.sequences is ${count}, fewer than one batch of ${shape.batch}: raise eval.sequences or lower batch_size`);
  }
  if (batches.length === 0) {
    throw new Error(`the validation split has ${sequences.count} sequences, fewer than one batch of ${shape.batch}: lower batch_size or use a larger corpus`);
  }
  return batches;
}
