/**
 * An exported translation folder run as deployed, through onnxruntime-node: the encoder file and
 * the decoder file of one weight format (`encoder_model<suffix>.onnx`, `decoder_model_merged<suffix>.onnx`)
 * read back from disk with their checksums, decoded greedily on the decoder's own cache as
 * transformers.js runs it, and scored: BLEU and chrF on the test books, file sizes, and the
 * median milliseconds to translate one sentence alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { sourceIds } from '../data/translation_batches.ts';
import { loadParallelCorpus, translationTaskModules } from '../data/translation_corpus.ts';
import { sampleExamples } from '../data/tasks.ts';
import { hfPastName, hfPresentName } from '../nn/seq2seq_hf_decoder.ts';
import { ortTensor } from '../runtime/session.ts';
import { EOS, PAD } from '../tokenizer/tokenizer.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { bpeTokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { corpusBleu } from '../train/bleu.ts';
import { bleuInterval, pairedBleuDifference } from '../train/bleu_interval.ts';
import { corpusChrf } from '../train/chrf.ts';
import { openOnnxFile } from './onnx_file.ts';

interface MbartConfig {
  model_type: string;
  decoder_layers: number;
  decoder_attention_heads: number;
  d_model: number;
  max_position_embeddings: number;
  decoder_start_token_id: number;
}

/** The folder and weight format of an exported translation file, e.g. onnx/decoder_model_merged_quantized.onnx: '_quantized'. */
export function translationFileOf(file: string): { root: string; suffix: string } | null {
  const m = /^(?:encoder_model|decoder_model_merged)(.*)\.onnx$/.exec(path.basename(file));
  const root = path.dirname(path.dirname(path.resolve(file)));
  return m && existsSync(path.join(root, 'config.json')) ? { root, suffix: m[1] } : null;
}

export interface OnnxTranslator {
  translate(texts: readonly string[]): Promise<string[]>;
  bytes: number;
  release(): Promise<void>;
}

/** Greedy decoding on the decoder file's cache; one call translates `texts` as one batch. */
export async function openOnnxTranslator(root: string, suffix: string, threads?: number): Promise<OnnxTranslator> {
  const config = JSON.parse(readFileSync(path.join(root, 'config.json'), 'utf8')) as MbartConfig;
  if (config.model_type !== 'mbart') throw new Error(`${path.join(root, 'config.json')} is not a translation model (model_type ${config.model_type}): pass a folder tltc export wrote from a translation checkpoint`);
  const tok: Tokenizer = bpeTokenizerFromJson(JSON.parse(readFileSync(path.join(root, 'tokenizer.json'), 'utf8')), path.join(root, 'tokenizer.json'));
  const [encoder, decoder] = await Promise.all([
    openOnnxFile(path.join(root, 'onnx', `encoder_model${suffix}.onnx`), { threads, output: 'last_hidden_state' }),
    openOnnxFile(path.join(root, 'onnx', `decoder_model_merged${suffix}.onnx`), { threads, inputs: ['input_ids', 'encoder_attention_mask', 'encoder_hidden_states'] }),
  ]);
  const [heads, hs, max] = [config.decoder_attention_heads, config.d_model / config.decoder_attention_heads, config.max_position_embeddings];
  const translate = async (texts: readonly string[]): Promise<string[]> => {
    const sources = texts.map((t) => sourceIds(tok.encode(t), max));
    const [b, s] = [sources.length, Math.max(...sources.map((x) => x.length))];
    const ids = new BigInt64Array(b * s).fill(BigInt(PAD));
    const mask = new BigInt64Array(b * s);
    sources.forEach((x, r) => x.forEach((id, t) => ([ids[r * s + t], mask[r * s + t]] = [BigInt(id), 1n])));
    const maskT = ortTensor('int64', mask, [b, s]);
    const hidden = (await encoder.session.run({ input_ids: ortTensor('int64', ids, [b, s]), attention_mask: maskT })).last_hidden_state;
    const names = Array.from({ length: config.decoder_layers }, (_, i) => (['key', 'value'] as const).map((k) => [hfPastName(i, k), hfPresentName(i, k)])).flat();
    let past: Record<string, Tensor> = Object.fromEntries(names.map(([n]) => [n, ortTensor('float32', new Float32Array(0), [b, heads, 0, hs])]));
    const out = sources.map(() => [] as number[]);
    const done = sources.map(() => false);
    let feed = sources.map(() => config.decoder_start_token_id);
    for (let t = 0; t < max && done.includes(false); t++) {
      const r = await decoder.session.run({ input_ids: ortTensor('int64', BigInt64Array.from(feed, BigInt), [b, 1]), encoder_attention_mask: maskT, encoder_hidden_states: hidden, ...past });
      const logits = r.logits.data as Float32Array;
      const v = logits.length / b;
      feed = feed.map((_, row) => {
        let best = 0;
        for (let k = 1; k < v; k++) if (logits[row * v + k] > logits[row * v + best]) best = k;
        if (!done[row] && best !== EOS) out[row].push(best);
        if (best === EOS) done[row] = true;
        return best;
      });
      past = Object.fromEntries(names.map(([n, present]) => [n, r[present]]));
    }
    return out.map((y) => tok.decode(y));
  };
  const release = async () => void (await Promise.all([encoder.session.release(), decoder.session.release()]));
  return { translate, bytes: encoder.bytes + decoder.bytes, release };
}

/** The median of `xs`. */
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Translations of `sources`, 16 sentences per decoder run. */
async function translateAll(translator: OnnxTranslator, sources: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < sources.length; i += 16) out.push(...(await translator.translate(sources.slice(i, i + 16))));
  return out;
}

/** Median milliseconds to translate one sentence alone, over the first `n` sources. */
async function latencyPerSentence(translator: OnnxTranslator, sources: readonly string[], n: number): Promise<{ latency_ms_per_sentence: number; latency_sentences: number }> {
  const times: number[] = [];
  for (const source of sources.slice(0, n)) {
    const t0 = performance.now();
    await translator.translate([source]);
    times.push(performance.now() - t0);
  }
  return { latency_ms_per_sentence: median(times), latency_sentences: times.length };
}

/** The fp32 files' BLEU on the same sentences and the compressed format's change from it (paired bootstrap 95%). */
async function againstFp32(root: string, hypotheses: string[], sources: string[], references: string[], threads?: number): Promise<Record<string, unknown>> {
  if (!existsSync(path.join(root, 'onnx', 'encoder_model.onnx'))) return {};
  const fp32 = await openOnnxTranslator(root, '', threads);
  try {
    const reference = await translateAll(fp32, sources);
    const change = pairedBleuDifference(hypotheses, reference, references);
    return { fp32_bleu: corpusBleu(reference, [references]).score, fp32_bytes: fp32.bytes, bleu_change: change.difference, bleu_change_95: change.interval95 };
  } finally {
    await fp32.release();
  }
}

/**
 * BLEU, chrF, bytes and per-sentence latency of an exported translation file pair on the test
 * books; for int8 and 4-bit files also the fp32 files' BLEU on the same sentences and the change.
 */
export async function evaluateTranslationOnnx(file: string, options: { examples?: number; threads?: number; latencySentences?: number } = {}): Promise<Record<string, unknown>> {
  const found = translationFileOf(file);
  if (!found) throw new Error(`${file} is not an exported translation file: pass onnx/encoder_model*.onnx or onnx/decoder_model_merged*.onnx of a tltc export folder`);
  const task = (JSON.parse(readFileSync(path.join(found.root, 'export.json'), 'utf8')) as { translation_task?: string }).translation_task ?? 'translate-en-es';
  const pairs = sampleExamples(loadParallelCorpus(translationTaskModules(task)).test, options.examples);
  const [sources, references] = [pairs.map((p) => p.source), pairs.map((p) => p.target)];
  const translator = await openOnnxTranslator(found.root, found.suffix, options.threads);
  let measured: Record<string, unknown>;
  let hypotheses: string[];
  try {
    hypotheses = await translateAll(translator, sources);
    const latency = await latencyPerSentence(translator, sources, options.latencySentences ?? 20);
    measured = { file, format: found.suffix || 'fp32', task, split: 'test', pairs: pairs.length, decoding: 'greedy', bleu: corpusBleu(hypotheses, [references]).score, bleu_95: bleuInterval(hypotheses, references), chrf: corpusChrf(hypotheses, [references]).score, bytes: translator.bytes, ...latency };
  } finally {
    await translator.release();
  }
  return found.suffix === '' ? measured : { ...measured, ...(await againstFp32(found.root, hypotheses, sources, references, options.threads)) };
}
