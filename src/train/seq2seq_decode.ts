/**
 * Translation by greedy decoding through the inference graphs of nn/seq2seq_graphs.ts, with the
 * weights fed from the trainer's arrays: the encoder runs once per batch, then the decoder once
 * per output token on the target so far (each step recomputes the prefix, so a step costs O(t);
 * a key/value cache makes it O(1)).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { serializeGraph } from '../graph/index.ts';
import type { Parameter } from '../nn/params.ts';
import { buildDecoderGraph, buildEncoderGraph, parameterInputs } from '../nn/seq2seq_graphs.ts';
import type { Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { createSession, ortTensor } from '../runtime/session.ts';
import { EOS, PAD } from '../tokenizer/tokenizer.ts';
import { parameterFeeds } from './feeds.ts';

export interface DecodeOptions {
  /** Most tokens generated per sentence, the end token included. */
  maxTokens: number;
  /** The decoder's first input. */
  start: number;
}

/** Index of the largest of `n` values from `offset`. */
function argmax(x: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (x[offset + i] > x[offset + best]) best = i;
  return best;
}

/** The encoder's output for a batch of sources, and their padding mask, as the decoder graph takes them. */
export interface EncodedSources {
  hidden: Tensor;
  mask: Tensor;
}

export class Seq2SeqDecoder {
  private constructor(
    readonly model: Seq2SeqConfig,
    private readonly encoder: InferenceSession,
    private readonly decoder: InferenceSession,
    private readonly params: () => readonly Parameter[],
  ) {}

  /** Sessions for `model`; `params` is read at every call, so a trainer's current weights are used. */
  static async create(model: Seq2SeqConfig, params: () => readonly Parameter[], threads: number): Promise<Seq2SeqDecoder> {
    const weights = parameterInputs(model);
    const [encoder, decoder] = await Promise.all([createSession(serializeGraph(buildEncoderGraph(model, weights)), { threads }), createSession(serializeGraph(buildDecoderGraph(model, weights)), { threads })]);
    return new Seq2SeqDecoder(model, encoder, decoder, params);
  }

  /** Encoder output (B, S, d) and mask of `sources` (ids with their special tokens), right-padded. */
  async encodeSources(sources: readonly number[][]): Promise<EncodedSources> {
    const [b, s] = [sources.length, Math.max(...sources.map((x) => x.length))];
    const ids = new BigInt64Array(b * s).fill(BigInt(PAD));
    const mask = new BigInt64Array(b * s);
    sources.forEach((x, r) => x.forEach((id, t) => ([ids[r * s + t], mask[r * s + t]] = [BigInt(id), 1n])));
    const feeds = parameterFeeds(this.params(), { input_ids: ortTensor('int64', ids, [b, s]), attention_mask: ortTensor('int64', mask, [b, s]) });
    const hidden = (await this.encoder.run(feeds as never)).last_hidden_state;
    return { hidden, mask: ortTensor('int64', mask, [b, s]) };
  }

  /** The decoder's logits (B, t, V) for the targets so far, all of length t. */
  async logits(memory: EncodedSources, targets: readonly number[][]): Promise<Float32Array> {
    const [b, t] = [targets.length, targets[0].length];
    const ids = BigInt64Array.from(targets.flat(), BigInt);
    const feeds = parameterFeeds(this.params(), { input_ids: ortTensor('int64', ids, [b, t]), encoder_hidden_states: memory.hidden, encoder_attention_mask: memory.mask });
    return (await this.decoder.run(feeds as never)).logits.data as Float32Array;
  }

  /** Greedy translations of `sources` (ids with specials): the generated ids, without the start and end tokens. */
  async greedy(sources: readonly number[][], o: DecodeOptions): Promise<number[][]> {
    const memory = await this.encodeSources(sources);
    const v = this.model.vocab_size;
    const targets = sources.map(() => [o.start]);
    const done = sources.map(() => false);
    for (let t = 1; t <= o.maxTokens && done.includes(false); t++) {
      const logits = await this.logits(memory, targets);
      targets.forEach((row, r) => {
        // A finished row keeps being fed (the batch stays rectangular), its output ignored.
        const next = done[r] ? EOS : argmax(logits, (r * t + t - 1) * v, v);
        row.push(next);
        if (next === EOS) done[r] = true;
      });
    }
    return targets.map((row) => {
      const end = row.indexOf(EOS, 1);
      return row.slice(1, end < 0 ? row.length : end);
    });
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}
