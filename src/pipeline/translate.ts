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
import { bleuInterval, pairedBleuDifference } from '../train/bleu_interval.ts';
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

/** Which pairs `tltc eval` scores: the test books (default) or the validation books. */
export type TranslationSplit = 'validation' | 'test';

/** How beam search compares with greedy decoding on the same pairs: BLEU(beam) - BLEU(greedy), paired bootstrap 95%. */
async function beamAgainstGreedy(checkpoint: string, beamHypotheses: string[], sources: string[], references: string[], threads?: number): Promise<Record<string, unknown>> {
  const greedy = await openTranslator(checkpoint, { threads });
  try {
    const hypotheses = await greedy.translate(sources);
    const d = pairedBleuDifference(beamHypotheses, hypotheses, references);
    return { greedy_bleu: corpusBleu(hypotheses, [references]).score, greedy_chrf: corpusChrf(hypotheses, [references]).score, beam_minus_greedy_bleu: d.difference, beam_minus_greedy_bleu_95: d.interval95 };
  } finally {
    await greedy.release();
  }
}

interface ScoredTranslations {
  scores: Record<string, unknown>;
  sources: string[];
  hypotheses: string[];
  references: string[];
}

/** The checkpoint's translations of a split's pairs (a fixed sample of `examples`), scored. */
async function scoreTranslations(checkpoint: string, options: DecodingOptions & { split?: TranslationSplit; examples?: number; threads?: number }): Promise<ScoredTranslations> {
  const translator = await openTranslator(checkpoint, options);
  try {
    const data = prepareTranslation(translator.task, translator.model.vocab_size, { quiet: true });
    const split = options.split ?? 'test';
    const pairs = sampleExamples((split === 'test' ? data.test : data.val).pairs, options.examples);
    const [sources, references] = [pairs.map((p) => p.source), pairs.map((p) => p.target)];
    const hypotheses = await translator.translate(sources);
    const bleu = corpusBleu(hypotheses, [references]);
    const scores = {
      checkpoint,
      model: seq2seqName(translator.model),
      task: translator.task,
      split,
      pairs: pairs.length,
      decoding: (options.beam ?? 1) > 1 ? { beam: options.beam, length_penalty: options.lengthPenalty ?? 1 } : 'greedy',
      bleu: bleu.score,
      bleu_95: bleuInterval(hypotheses, references),
      chrf: corpusChrf(hypotheses, [references]).score,
      bleu_line: formatBleu(bleu, { signature: true }),
      copy_source_bleu: corpusBleu(sources, [references]).score,
    };
    return { scores, sources, hypotheses, references };
  } finally {
    await translator.release();
  }
}

/**
 * BLEU and chrF of the checkpoint's translations of its task's test (or validation) pairs; with a
 * beam above 1, also greedy decoding's scores on the same pairs and the paired difference.
 */
export async function evaluateTranslation(checkpoint: string, options: DecodingOptions & { split?: TranslationSplit; examples?: number; threads?: number } = {}): Promise<Record<string, unknown>> {
  const run = await scoreTranslations(checkpoint, options);
  if ((options.beam ?? 1) <= 1) return run.scores;
  return { ...run.scores, ...(await beamAgainstGreedy(checkpoint, run.hypotheses, run.sources, run.references, options.threads)) };
}
