/**
 * Turns a corpus into what training reads: a BPE tokenizer and uint16 token streams for a fixed
 * document-level train/validation split. Done once per (corpus, vocab size) and cached in
 * $TLTC_CACHE_DIR (default ~/.cache/tltc), so later runs start training within seconds.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainBpe, countWords } from '../tokenizer/bpe_train.ts';
import { EOS, Tokenizer } from '../tokenizer/tokenizer.ts';
import { bpeTokenizerFromJson, tokenizerToJson } from '../tokenizer/tokenizer_json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { createProgress } from '../util/progress.ts';
import { defaultCorpus, defaultCorpusExclusions, isValidation, type Document } from './corpus.ts';

/** Bumped whenever cleaning, splitting or tokenization changes, so stale caches are not reused. */
const PIPELINE_VERSION = 1;

export interface CorpusMeta {
  corpus: string;
  vocab_size: number;
  documents: { train: number; validation: number };
  tokens: { train: number; validation: number };
  /** exp of the validation cross-entropy of the train unigram distribution: the bar a model must clear. */
  unigram_val_ppl: number;
  /** Documents of the corpus left out of both splits (the default corpus: downstream tasks' held-out files). */
  excluded?: { reason: string; documents: number };
  pipeline_version: number;
}

export interface PreparedCorpus {
  dir: string;
  tokenizer: Tokenizer;
  train: Uint16Array;
  val: Uint16Array;
  meta: CorpusMeta;
}

export function cacheRoot(): string {
  return process.env.TLTC_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tltc');
}

/** Reads a user corpus: a .txt file (paragraph groups become documents) or a folder of .txt files. */
export function readCorpusPath(p: string): Document[] {
  if (!existsSync(p)) throw new Error(`corpus ${p} does not exist: pass a .txt file or a folder of .txt files`);
  const files = statSync(p).isDirectory()
    ? readdirSync(p).filter((f) => f.endsWith('.txt')).sort().map((f) => path.join(p, f))
    : [p];
  if (files.length === 0) throw new Error(`corpus folder ${p} has no .txt files`);
  const docs: Document[] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new Error(`corpus file ${file} is not valid UTF-8 text: convert it to UTF-8 first`);
    }
    if (text.includes('\u0000')) throw new Error(`corpus file ${file} looks binary (contains NUL bytes): pass plain text`);
    const paragraphs = text.split(/\n\s*\n/).map((s) => s.trim()).filter((s) => s.length > 0);
    for (let i = 0; i < paragraphs.length; i += 50) {
      docs.push({ id: `${path.basename(file)}/${i / 50}`, text: paragraphs.slice(i, i + 50).join('\n\n') });
    }
  }
  if (docs.reduce((n, d) => n + d.text.length, 0) < 1000) {
    throw new Error(`corpus ${p} has less than 1000 characters of text: give it more text to train on`);
  }
  return docs;
}

/** Document-level split; a corpus too small for the hash split still gets one validation document. */
export function splitDocuments(docs: Document[]): { train: Document[]; val: Document[] } {
  let train = docs.filter((d) => !isValidation(d.id));
  let val = docs.filter((d) => isValidation(d.id));
  if (val.length === 0 || train.length === 0) {
    const all = [...docs];
    if (all.length === 1) {
      const lines = all[0].text.split('\n');
      const cut = Math.max(1, Math.floor(lines.length * 0.9));
      train = [{ id: `${all[0].id}#train`, text: lines.slice(0, cut).join('\n') }];
      val = [{ id: `${all[0].id}#val`, text: lines.slice(cut).join('\n') || lines[lines.length - 1] }];
    } else {
      val = [all[all.length - 1]];
      train = all.slice(0, -1);
    }
  }
  return { train, val };
}

function corpusKey(corpus: string): string {
  // Named for what it holds since the genre task's held-out files left it (an older cache stays valid for older code).
  if (corpus === 'default') return 'default-heldout';
  const abs = path.resolve(corpus);
  if (!existsSync(abs)) throw new Error(`corpus ${corpus} does not exist: pass a .txt file or a folder of .txt files`);
  const st = statSync(abs);
  const h = createHash('sha256').update(`${abs}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 12);
  return `${path.basename(abs).replace(/[^\w.-]/g, '_')}-${h}`;
}

function tokenize(tok: Tokenizer, docs: Document[], onDoc: (chars: number) => void): Uint16Array {
  const chunks: Uint16Array[] = [];
  let total = 0;
  for (const d of docs) {
    const ids = tok.encode(d.text);
    ids.push(EOS);
    const arr = Uint16Array.from(ids);
    chunks.push(arr);
    total += arr.length;
    onDoc(d.text.length);
  }
  const out = new Uint16Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** Log probabilities of each token in `train`, add-one smoothed so unseen tokens stay finite. */
export function unigramLogProbs(train: Uint16Array, vocab: number): Float64Array {
  const counts = new Float64Array(vocab).fill(1);
  for (const t of train) counts[t] += 1;
  const logTotal = Math.log(train.length + vocab);
  return counts.map((c) => Math.log(c) - logTotal);
}

function unigramPerplexity(train: Uint16Array, val: Uint16Array, vocab: number): number {
  const logp = unigramLogProbs(train, vocab);
  let nll = 0;
  for (const t of val) nll -= logp[t];
  return Math.exp(nll / val.length);
}

const asU16 = (buf: Buffer) => new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));

export function prepareCorpus(corpus: string, vocabSize: number, options: { quiet?: boolean } = {}): PreparedCorpus {
  const dir = path.join(cacheRoot(), `${corpusKey(corpus)}-v${PIPELINE_VERSION}`, `bpe-${vocabSize}`);
  const metaFile = path.join(dir, 'meta.json');
  if (existsSync(metaFile)) {
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CorpusMeta;
      const tokenizer = bpeTokenizerFromJson(JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
      const train = asU16(readFileSync(path.join(dir, 'train.u16')));
      const val = asU16(readFileSync(path.join(dir, 'val.u16')));
      if (train.length === meta.tokens.train && val.length === meta.tokens.validation) return { dir, tokenizer, train, val, meta };
    } catch {
      // An unreadable cache is rebuilt below.
    }
  }
  const docs = corpus === 'default' ? defaultCorpus() : readCorpusPath(corpus);
  const { train: trainDocs, val: valDocs } = splitDocuments(docs);
  const trainChars = trainDocs.reduce((n, d) => n + d.text.length, 0);
  const allChars = trainChars + valDocs.reduce((n, d) => n + d.text.length, 0);

  const merges = vocabSize - 256 - 5;
  if (merges < 0) throw new Error(`vocab_size ${vocabSize} is too small for byte-level BPE: use at least 261`);
  let bar = createProgress('tokenizer: counting words', trainChars, { quiet: options.quiet });
  let seen = 0;
  const words = countWords(trainDocs.map((d) => d.text), (n) => bar.update((seen += n)));
  bar.stop();
  bar = createProgress('tokenizer: learning merges', merges, { quiet: options.quiet });
  const { symbols, merges: learned } = trainBpe(words, merges, (n) => n % 64 === 0 && bar.update(n));
  bar.update(learned.length);
  bar.stop();
  const tokenizer = new Tokenizer(symbols, learned);
  if (tokenizer.vocabSize !== vocabSize) {
    throw new Error(`corpus ${corpus} supports only ${tokenizer.vocabSize} tokens, fewer than vocab_size ${vocabSize}: lower vocab_size`);
  }
  bar = createProgress('tokenizing corpus', allChars, { quiet: options.quiet });
  seen = 0;
  const onDoc = (n: number) => bar.update((seen += n));
  const train = tokenize(tokenizer, trainDocs, onDoc);
  const val = tokenize(tokenizer, valDocs, onDoc);
  bar.stop();
  const meta: CorpusMeta = {
    corpus,
    vocab_size: vocabSize,
    documents: { train: trainDocs.length, validation: valDocs.length },
    tokens: { train: train.length, validation: val.length },
    unigram_val_ppl: unigramPerplexity(train, val, vocabSize),
    ...(corpus === 'default' ? { excluded: defaultCorpusExclusions() } : {}),
    pipeline_version: PIPELINE_VERSION,
  };
  writeFileAtomic(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerToJson(tokenizer)));
  writeFileAtomic(path.join(dir, 'train.u16'), new Uint8Array(train.buffer));
  writeFileAtomic(path.join(dir, 'val.u16'), new Uint8Array(val.buffer));
  writeFileAtomic(metaFile, JSON.stringify(meta, null, 2)); // written last: its presence marks a complete cache
  return { dir, tokenizer, train, val, meta };
}
