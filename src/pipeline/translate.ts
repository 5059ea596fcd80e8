/**
 * `tltc translate` and `tltc eval` on a translation checkpoint: sentences decoded (greedy or beam
 * search) a batch at a time, and the test split's BLEU and chrF (sacreBLEU's definitions) beside
 * the copy-the-source baseline.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sourceIds, DECODER_START } from '../data/translation_batches.ts';
import { prepareTranslation } from '../data/translation_prepare.ts';
import { sampleExamples } from '../data/tasks.ts';
import { seq2seqName, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { defaultThreads } from '../runtime/session.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { bpeTokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { corpusBleu, formatBleu } from '../train/bleu.ts';
import { bleuInterval } from '../train/bleu_interval.ts';
import { corpusChrf } from '../train/chrf.ts';
import { loadSeq2SeqCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import type { TrainConfig } from '../train/config.ts';
import { Seq2SeqDecoder } from '../train/seq2seq_decode.ts';
import type { Parameter } from '../nn/params.ts';
import { seq2seqParamSpecs } from '../nn/seq2seq_params.ts';

export interface Translator {
  model: Seq2SeqConfig;
  /** The task the checkpoint was trained on, e.g. translate-en-es. */
  task: string;
  tokenizer: Tokenizer;
  translate(texts: readonly string[]): Promise<string[]>;
  release(): Promise<void>;
}

/** A translation checkpoint (or run folder) ready to translate, `batch` sentences per decoder run (times the beam). */
export interface DecodingOptions {
  /** Beam size; 1 (the default) decodes greedily. */
  beam?: number;
  /** Exponent of the length dividing a finished hypothesis's log-probability (default 1). */
  lengthPenalty?: number;
}

export async function openTranslator(checkpoint: string, options: DecodingOptions & { threads?: number; batch?: number } = {}): Promise<Translator> {
  const ck: Checkpoint<Seq2SeqConfig> = loadSeq2SeqCheckpoint(checkpoint);
  const model = ck.config.model;
  const params: Parameter[] = seq2seqParamSpecs(model).map((spec) => ({ spec, data: ck.params.get(spec.name)! }));
  const tokenizer = bpeTokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
  const decoder = await Seq2SeqDecoder.create(model, () => params, options.threads ?? defaultThreads());
  const batch = options.batch ?? 16;
  const translate = async (texts: readonly string[]) => {
    const out: string[] = [];
    for (let i = 0; i < texts.length; i += batch) {
      const sources = texts.slice(i, i + batch).map((t) => sourceIds(tokenizer.encode(t), model.max_len));
      const ids = await decoder.translate(sources, { maxTokens: model.max_len, start: DECODER_START, beam: options.beam, lengthPenalty: options.lengthPenalty });
      out.push(...ids.map((y) => tokenizer.decode(y)));
    }
    return out;
  };
  return { model, task: (ck.config.train as TrainConfig).task ?? 'translate-en-es', tokenizer, translate, release: () => decoder.release() };
}

/** Lines of a text file to translate, refusing an empty line with its number. */
export function readSentences(file: string): string[] {
  if (!existsSync(file)) throw new Error(`--input ${file} does not exist: pass a text file with one sentence per line`);
  const lines = readFileSync(file, 'utf8').replace(/\r?\n$/, '').split(/\r?\n/);
  const empty = lines.findIndex((l) => l.trim() === '');
  if (empty >= 0) throw new Error(`--input ${file}:${empty + 1}: the line is empty; give one sentence per line, with no blank lines`);
  return lines;
}

/** BLEU and chrF of the checkpoint's greedy translations of its task's test (or validation) pairs. */
export async function evaluateTranslation(checkpoint: string, options: DecodingOptions & { split?: 'val' | 'test'; examples?: number; threads?: number } = {}): Promise<Record<string, unknown>> {
  const translator = await openTranslator(checkpoint, options);
  try {
    const data = prepareTranslation(translator.task, translator.model.vocab_size, { quiet: true });
    const split = options.split ?? 'test';
    const pairs = sampleExamples((split === 'test' ? data.test : data.val).pairs, options.examples);
    const hypotheses = await translator.translate(pairs.map((p) => p.source));
    const references = [pairs.map((p) => p.target)];
    const bleu = corpusBleu(hypotheses, references);
    const copy = corpusBleu(pairs.map((p) => p.source), references);
    return {
      checkpoint,
      model: seq2seqName(translator.model),
      task: translator.task,
      split,
      pairs: pairs.length,
      decoding: (options.beam ?? 1) > 1 ? { beam: options.beam, length_penalty: options.lengthPenalty ?? 1 } : 'greedy',
      bleu: bleu.score,
      bleu_95: bleuInterval(hypotheses, references[0]),
      chrf: corpusChrf(hypotheses, references).score,
      bleu_line: formatBleu(bleu, { signature: true }),
      copy_source_bleu: copy.score,
    };
  } finally {
    await translator.release();
  }
}
