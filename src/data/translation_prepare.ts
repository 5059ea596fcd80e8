/**
 * A translation task as training reads it: one byte-level BPE vocabulary learned jointly on both
 * languages of the training pairs (so the shared embedding table serves the encoder, the decoder
 * and the output), and every pair's token ids, both cached in $TLTC_CACHE_DIR per (task,
 * vocabulary size): encoding 60,000 verses takes longer than reading them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { countWords, trainBpe } from '../tokenizer/bpe_train.ts';
import { Tokenizer } from '../tokenizer/tokenizer.ts';
import { bpeTokenizerFromJson, tokenizerToJson } from '../tokenizer/tokenizer_json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { createProgress } from '../util/progress.ts';
import { cacheRoot } from './prepare.ts';
import type { EncodedPairs } from './translation_batches.ts';
import { loadParallelCorpus, translationTaskModules, type TranslationPair } from './translation_corpus.ts';

/** Bumped whenever the corpus reading or the tokenizer training changes, so stale caches are not reused. */
const PIPELINE_VERSION = 2;

export interface TranslationSplit {
  pairs: readonly TranslationPair[];
  ids: EncodedPairs;
}

export interface PreparedTranslation {
  task: string;
  tokenizer: Tokenizer;
  train: TranslationSplit;
  val: TranslationSplit;
  test: TranslationSplit;
  meta: { task: string; vocab_size: number; pairs: { train: number; validation: number; test: number }; split_rule: string; dropped: Record<string, number>; pipeline_version: number };
}

function learnJointVocabulary(train: readonly TranslationPair[], vocabSize: number, quiet?: boolean): Tokenizer {
  const merges = vocabSize - 256 - 5;
  if (merges < 0) throw new Error(`vocab_size ${vocabSize} is too small for byte-level BPE: use at least 261`);
  const words = countWords(train.flatMap((p) => [p.source, p.target]));
  const bar = createProgress('tokenizer: learning merges (both languages)', merges, { quiet });
  const { symbols, merges: learned } = trainBpe(words, merges, (n) => n % 64 === 0 && bar.update(n));
  bar.stop();
  const tokenizer = new Tokenizer(symbols, learned);
  if (tokenizer.vocabSize !== vocabSize) throw new Error(`the training pairs support only ${tokenizer.vocabSize} tokens, fewer than vocab_size ${vocabSize}: lower vocab_size`);
  return tokenizer;
}

function encodeSplit(tok: Tokenizer, pairs: readonly TranslationPair[]): EncodedPairs {
  return { source: pairs.map((p) => Uint16Array.from(tok.encode(p.source))), target: pairs.map((p) => Uint16Array.from(tok.encode(p.target))) };
}

/** Every sequence of the three splits, both sides, as lengths (JSON) and one uint16 stream. */
function writeIds(dir: string, splits: readonly EncodedPairs[]): void {
  const all = splits.flatMap((s) => [...s.source, ...s.target]);
  const stream = new Uint16Array(all.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of all) stream.set(a, (at += a.length) - a.length);
  writeFileAtomic(path.join(dir, 'ids.u16'), new Uint8Array(stream.buffer));
  writeFileAtomic(path.join(dir, 'lengths.json'), JSON.stringify(splits.map((s) => s.source.map((a) => a.length))) + '\n' + JSON.stringify(splits.map((s) => s.target.map((a) => a.length))));
}

/** The cached ids of `counts[i]` pairs per split, or null when the cache does not match them. */
function readIds(dir: string, counts: readonly number[]): EncodedPairs[] | null {
  try {
    const [sourceLengths, targetLengths] = readFileSync(path.join(dir, 'lengths.json'), 'utf8').split('\n').map((l) => JSON.parse(l) as number[][]);
    if (sourceLengths.length !== counts.length || sourceLengths.some((l, i) => l.length !== counts[i] || targetLengths[i].length !== counts[i])) return null;
    const buf = readFileSync(path.join(dir, 'ids.u16'));
    const stream = new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    let at = 0;
    const take = (lengths: number[]) => lengths.map((n) => stream.subarray(at, (at += n)));
    const splits = sourceLengths.map((l, i) => ({ source: take(l), target: take(targetLengths[i]) }));
    return at === stream.length ? splits : null;
  } catch {
    return null;
  }
}

/** The task's pairs (translation_corpus.ts), the joint tokenizer (cached) and the encoded splits. */
export function prepareTranslation(task: string, vocabSize: number, options: { quiet?: boolean; root?: string } = {}): PreparedTranslation {
  const modules = translationTaskModules(task);
  const corpus = loadParallelCorpus({ ...modules, root: options.root });
  // Both directions share one vocabulary: it is learned on the same two texts.
  const languages = [modules.source, modules.target].sort().join('+');
  const dir = path.join(cacheRoot(), `translation-${languages}-v${PIPELINE_VERSION}`, `bpe-${vocabSize}`);
  const file = path.join(dir, 'tokenizer.json');
  let tokenizer: Tokenizer | null = null;
  if (existsSync(file)) {
    try {
      tokenizer = bpeTokenizerFromJson(JSON.parse(readFileSync(file, 'utf8')), file);
    } catch {
      // An unreadable cache is rebuilt below.
    }
  }
  const splits = [corpus.train, corpus.val, corpus.test];
  // Ids are cached per direction: the same verses, sides swapped.
  const idsDir = path.join(dir, task);
  let ids = tokenizer ? readIds(idsDir, splits.map((s) => s.length)) : null;
  if (!tokenizer) {
    tokenizer = learnJointVocabulary(corpus.train, vocabSize, options.quiet);
    writeFileAtomic(file, JSON.stringify(tokenizerToJson(tokenizer)));
  }
  if (!ids) {
    const tok = tokenizer;
    ids = splits.map((p) => encodeSplit(tok, p));
    writeIds(idsDir, ids);
  }
  const [train, val, test] = splits.map((pairs, i) => ({ pairs, ids: ids[i] }));
  const meta = { task, vocab_size: vocabSize, pairs: { train: train.pairs.length, validation: val.pairs.length, test: test.pairs.length }, split_rule: corpus.split_rule, dropped: corpus.dropped, pipeline_version: PIPELINE_VERSION };
  return { task, tokenizer, train, val, test, meta };
}
