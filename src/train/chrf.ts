/**
 * chrF (Popović, 2015) and chrF++ (Popović, 2017) as sacreBLEU defines them: character n-grams
 * of orders 1..6 with whitespace removed (plus word uni- and bigrams for chrF++), statistics summed
 * over the corpus before any division, and an F-beta score (beta = 2) of precision and recall.
 *
 * By default the score is sacreBLEU's: precision and recall are each averaged over the orders
 * where both hypotheses and references have n-grams, then combined into one F-beta. With
 * `epsSmoothing` it is instead the mean over all orders of each order's F-beta, with 1e-16 for an
 * undefined one (chrF++.py, NLTK and Moses).
 *
 *   corpusChrf(['The dog bit the man.'], [['The dog had bit the man.']]).score  // 0..100
 */
import { checkStreams } from './bleu.ts';
import { splitWhitespace } from './tokenize_13a.ts';

export interface ChrfOptions {
  /** Character n-gram orders 1..charOrder (default 6). */
  charOrder?: number;
  /** Word n-gram orders 1..wordOrder (default 0; 2 makes chrF++). */
  wordOrder?: number;
  /** Recall weighs beta times as much as precision (default 2). */
  beta?: number;
  /** Lowercase hypotheses and references first (default false). */
  lowercase?: boolean;
  /** Keep whitespace inside character n-grams (default false: removed). */
  whitespace?: boolean;
  /** Mean of per-order F scores with epsilon for empty orders (default false: sacreBLEU's averaging). */
  epsSmoothing?: boolean;
}

/** Counts for one n-gram order: hypothesis n-grams, reference n-grams, and matched (clipped) n-grams. */
export interface ChrfOrderStatistics {
  hyp: number;
  ref: number;
  match: number;
}

export interface ChrfScore {
  /** 0..100. */
  score: number;
  /** sacreBLEU's name: 'chrF2', or 'chrF2++' with word order 2. */
  name: string;
  /** Summed over the corpus: character orders 1..charOrder, then word orders 1..wordOrder. */
  statistics: ChrfOrderStatistics[];
}

type Options = Required<ChrfOptions>;

/** Fills in sacreBLEU's defaults and rejects orders and beta it could not score, naming the field. */
function withDefaults(options: ChrfOptions): Options {
  const o: Options = {
    charOrder: options.charOrder ?? 6,
    wordOrder: options.wordOrder ?? 0,
    beta: options.beta ?? 2,
    lowercase: options.lowercase ?? false,
    whitespace: options.whitespace ?? false,
    epsSmoothing: options.epsSmoothing ?? false,
  };
  for (const field of ['charOrder', 'wordOrder'] as const) {
    if (!Number.isInteger(o[field]) || o[field] < 0) throw new Error(`corpusChrf: ${field} must be a non-negative integer, got ${o[field]}`);
  }
  if (o.charOrder + o.wordOrder === 0) throw new Error('corpusChrf: charOrder + wordOrder must be at least 1');
  if (!(o.beta > 0)) throw new Error(`corpusChrf: beta must be positive, got ${o.beta}`);
  return o;
}

/** ASCII punctuation (Python's string.punctuation), split off word edges for chrF++'s word n-grams. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');

/**
 * chrF++'s word splitting (after Popović's chrF++.py): a word longer than one character loses
 * one trailing punctuation mark, or failing that one leading mark, as a separate token. Only one
 * side is split, so '(hi)' gives '(hi' and ')', as in sacreBLEU.
 */
function chrfWords(line: string): string[] {
  const words: string[] = [];
  for (const w of splitWhitespace(line)) {
    const chars = Array.from(w);
    if (chars.length === 1) words.push(w);
    else if (PUNCTUATION.has(chars[chars.length - 1])) words.push(chars.slice(0, -1).join(''), chars[chars.length - 1]);
    else if (PUNCTUATION.has(chars[0])) words.push(chars[0], chars.slice(1).join(''));
    else words.push(w);
  }
  return words;
}

/** n-gram counts over `units` (code points or words), keyed by joining with `sep`. */
function countNgrams(units: string[], n: number, sep: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= units.length; i++) {
    const key = units.slice(i, i + n).join(sep);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Per order, the n-gram counts of one segment: characters (Python code points) first, then words. */
function segmentNgrams(line: string, o: Options): Map<string, number>[] {
  const text = o.lowercase ? line.toLowerCase() : line;
  const chars = Array.from(o.whitespace ? text : splitWhitespace(text).join(''));
  const grams = Array.from({ length: o.charOrder }, (_, n) => countNgrams(chars, n + 1, ''));
  if (o.wordOrder > 0) {
    const words = chrfWords(text);
    for (let n = 1; n <= o.wordOrder; n++) grams.push(countNgrams(words, n, ' '));
  }
  return grams;
}

/** Match statistics of one order; hypothesis n-grams are not counted where the reference has none of this order. */
function orderStatistics(hyp: Map<string, number>, ref: Map<string, number>): ChrfOrderStatistics {
  let [hypCount, refCount, match] = [0, 0, 0];
  for (const [gram, c] of hyp) {
    hypCount += c;
    match += Math.min(c, ref.get(gram) ?? 0);
  }
  for (const c of ref.values()) refCount += c;
  return { hyp: ref.size > 0 ? hypCount : 0, ref: refCount, match };
}

function fBeta(precision: number, recall: number, beta: number): number {
  const b2 = beta * beta;
  return ((1 + b2) * precision * recall) / (b2 * precision + recall);
}

/** chrF in 0..100 from (segment or corpus) statistics, in sacreBLEU's two ways of averaging orders. */
export function chrfFromStatistics(stats: ChrfOrderStatistics[], options: ChrfOptions = {}): number {
  const { beta, epsSmoothing } = withDefaults(options);
  const eps = 1e-16;
  let [fSum, precisionSum, recallSum, effective] = [0, 0, 0, 0];
  for (const { hyp, ref, match } of stats) {
    const precision = hyp > 0 ? match / hyp : eps;
    const recall = ref > 0 ? match / ref : eps;
    fSum += beta * beta * precision + recall > 0 ? fBeta(precision, recall, beta) : eps;
    // Orders missing on either side (a short hypothesis, an empty reference) are left out of the average.
    if (hyp > 0 && ref > 0) [precisionSum, recallSum, effective] = [precisionSum + precision, recallSum + recall, effective + 1];
  }
  if (epsSmoothing) return (100 * fSum) / stats.length;
  if (effective === 0 || precisionSum + recallSum === 0) return 0;
  return 100 * fBeta(precisionSum / effective, recallSum / effective, beta);
}

/** Statistics of one segment against the reference whose own chrF is highest (the first on ties). */
function bestReferenceStatistics(hyp: Map<string, number>[], refs: Map<string, number>[][], o: Options): ChrfOrderStatistics[] {
  let [best, bestScore] = [[] as ChrfOrderStatistics[], -1];
  for (const ref of refs) {
    const stats = hyp.map((h, n) => orderStatistics(h, ref[n]));
    const score = chrfFromStatistics(stats, o);
    if (score > bestScore) [best, bestScore] = [stats, score];
  }
  return best;
}

/**
 * Corpus chrF (chrF++ with `wordOrder: 2`) of `hypotheses` against one or more reference streams,
 * each as long as `hypotheses`. With several references, each segment counts the statistics of
 * its best-scoring reference. An empty corpus scores 0.
 */
export function corpusChrf(hypotheses: string[], references: string[][], options: ChrfOptions = {}): ChrfScore {
  checkStreams('corpusChrf', hypotheses, references);
  const o = withDefaults(options);
  const total = Array.from({ length: o.charOrder + o.wordOrder }, () => ({ hyp: 0, ref: 0, match: 0 }));
  hypotheses.forEach((hyp, i) => {
    const refs = references.map((stream) => segmentNgrams(stream[i], o));
    bestReferenceStatistics(segmentNgrams(hyp, o), refs, o).forEach((s, n) => {
      total[n] = { hyp: total[n].hyp + s.hyp, ref: total[n].ref + s.ref, match: total[n].match + s.match };
    });
  });
  return { score: chrfFromStatistics(total, o), name: `chrF${o.beta}${'+'.repeat(o.wordOrder)}`, statistics: total };
}

/** sacreBLEU's score line, e.g. `chrF2++ = 59.15`. */
export function formatChrf(s: ChrfScore, width = 2): string {
  return `${s.name} = ${s.score.toFixed(width)}`;
}
