/**
 * Translation through the inference graphs of nn/seq2seq_graphs.ts and nn/seq2seq_cache.ts, with
 * the weights fed from the trainer's arrays: the encoder and the cross-attention keys and values
 * run once per batch, then one decoder step per output token on the key/value cache, so a step
 * costs the same at any length; beam search (beam_search.ts) picks the tokens. The whole-prefix
 * decoder graph stays for teacher-forced logits.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { serializeGraph } from '../graph/index.ts';
import type { Parameter } from '../nn/params.ts';
import { buildDecoderGraph, buildEncoderGraph, parameterInputs } from '../nn/seq2seq_graphs.ts';
import type { Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { buildCrossCacheGraph, buildDecoderStepGraph, crossName, pastName } from '../nn/seq2seq_cache.ts';
import { createSession, ortTensor } from '../runtime/session.ts';
import { PAD } from '../tokenizer/tokenizer.ts';
import { beamSearch, type StepModel } from './beam_search.ts';
import { parameterFeeds, type Feeds } from './feeds.ts';

export interface DecodeOptions {
  /** Most tokens generated per sentence, the end token included. */
  maxTokens: number;
  /** The decoder's first input. */
  start: number;
}

/** Rows of a (rows, ...) array picked by `origins`: row r of the result is row origins[r]. */
function gatherRows(data: Float32Array, origins: readonly number[]): Float32Array {
  const size = data.length / origins.length;
  const out = new Float32Array(data.length);
  origins.forEach((o, r) => out.set(data.subarray(o * size, (o + 1) * size), r * size));
  return out;
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
    private readonly cross: InferenceSession,
    private readonly step: InferenceSession,
    private readonly params: () => readonly Parameter[],
  ) {}

  /** Sessions for `model`; `params` is read at every call, so a trainer's current weights are used. */
  static async create(model: Seq2SeqConfig, params: () => readonly Parameter[], threads: number): Promise<Seq2SeqDecoder> {
    const weights = parameterInputs(model);
    const graphs = [buildEncoderGraph, buildDecoderGraph, buildCrossCacheGraph, buildDecoderStepGraph].map((build) => serializeGraph(build(model, weights)));
    const [encoder, decoder, cross, step] = await Promise.all(graphs.map((g) => createSession(g, { threads })));
    return new Seq2SeqDecoder(model, encoder, decoder, cross, step, params);
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

  /** Translations of `sources` (ids with specials) by beam search (beam 1: greedy) on the key/value cache: ids without the start and end tokens. */
  async translate(sources: readonly number[][], o: DecodeOptions & { beam?: number; lengthPenalty?: number }): Promise<number[][]> {
    const beam = o.beam ?? 1;
    const rows = sources.flatMap((x) => Array.from({ length: beam }, () => x));
    const memory = await this.encodeSources(rows);
    const params = this.params();
    const cross = await this.cross.run(parameterFeeds(params, { encoder_hidden_states: memory.hidden }) as never);
    const [heads, hs] = [this.model.n_heads, this.model.d_model / this.model.n_heads];
    const layers = Array.from({ length: this.model.decoder_layers }, (_, i) => i);
    let past = layers.flatMap((i) => [pastName(i, 'key'), pastName(i, 'value')]).map((name) => [name, ortTensor('float32', new Float32Array(0), [rows.length, heads, 0, hs])] as const);
    const stepper: StepModel = {
      next: async (tokens, position) => {
        const feeds: Record<string, unknown> = { input_ids: ortTensor('int64', BigInt64Array.from(tokens, BigInt), [tokens.length, 1]), position_ids: ortTensor('int64', new BigInt64Array(tokens.length).fill(BigInt(position)), [tokens.length, 1]), encoder_attention_mask: memory.mask };
        for (const i of layers) for (const kind of ['key', 'value'] as const) feeds[crossName(i, kind)] = cross[crossName(i, kind)];
        for (const [name, t] of past) feeds[name] = t;
        const out = await this.step.run(parameterFeeds(params, feeds as Feeds) as never);
        past = past.map(([name]) => [name, out[name.replace(/^past/, 'present')]] as const);
        return out.logits.data as Float32Array;
      },
      reorder: (origins) => {
        if (origins.every((o, r) => o === r)) return;
        past = past.map(([name, t]) => [name, ortTensor('float32', gatherRows(t.data as Float32Array, origins), t.dims as number[])] as const);
      },
    };
    return beamSearch(stepper, sources.length, { beam, maxTokens: o.maxTokens, start: o.start, vocab: this.model.vocab_size, lengthPenalty: o.lengthPenalty });
  }

  /** Greedy translations (beam 1). */
  greedy(sources: readonly number[][], o: DecodeOptions): Promise<number[][]> {
    return this.translate(sources, { ...o, beam: 1 });
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder, this.decoder, this.cross, this.step].map((s) => s.release()));
  }
}
