/**
 * Corpus BLEU (Papineni et al., 2002) as sacreBLEU defines it, so scores here can be set beside
 * published sacreBLEU numbers: n-gram statistics summed over the corpus before any division,
 * hypothesis n-gram counts clipped by the most any one reference holds, the reference length
 * closest to each hypothesis (ties to the shorter), a brevity penalty on the corpus totals, and
 * sacreBLEU's smoothing rules (`exp` by default).
 *
 *   const s = corpusBleu(['The dog bit the man.'], [['The dog bit the man.']]);
 *   formatBleu(s)  // 'BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 6 ref_len = 6)'
 */
import { rstripWhitespace, splitWhitespace, tokenize13a } from './tokenize_13a.ts';

export type BleuSmooth = 'exp' | 'none' | 'floor' | 'add-k';

export interface BleuOptions {
  /** '13a' (default): mteval-v13a tokenization; 'none': split the text on whitespace as given. */
  tokenize?: '13a' | 'none';
  /** 'exp' (default): mteval-v13a's halving for orders without a match. */
  smooth?: BleuSmooth;
  /** For 'floor' (default 0.1) and 'add-k' (default 1): Chen and Cherry's (2014) values, as sacreBLEU. */
  smoothValue?: number;
  /** Lowercase hypotheses and references before tokenizing (default false). */
  lowercase?: boolean;
  /** Average only over the orders the hypotheses reach (default false): for sentence-level BLEU. */
  effectiveOrder?: boolean;
  /** Highest n-gram order (default 4). */
  maxOrder?: number;
}

/** BLEU's sufficient statistics, summed over a corpus; `counts[n - 1]` are matched n-grams. */
export interface BleuStatistics {
  counts: number[];
  totals: number[];
  hyp_len: number;
  ref_len: number;
}

export interface BleuScore extends BleuStatistics {
  /** 0..100. */
  score: number;
  /** Per order, in %, after smoothing (sacreBLEU reports them so). */
  precisions: number[];
  /** Brevity penalty exp(1 - ref_len / hyp_len) when the hypotheses are shorter, else 1. */
  bp: number;
  /** hyp_len / ref_len, 0 when there is no reference token. */
  ratio: number;
  /** sacreBLEU's signature fields, e.g. 'nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp'. */
  signature: string;
}

const SMOOTH_DEFAULTS: Record<BleuSmooth, number> = { none: 0, floor: 0.1, 'add-k': 1, exp: 0 };

/** sacreBLEU's segment preprocessing: optional lowercasing, trailing whitespace cut, tokenizing. */
function tokensOf(line: string, options: BleuOptions): string[] {
  const text = rstripWhitespace(options.lowercase ? line.toLowerCase() : line);
  return splitWhitespace(options.tokenize === 'none' ? text : tokenize13a(text));
}

/** Entry n counts the (n + 1)-grams; tokens hold no space, so space-joined keys are unique. */
function ngramCounts(tokens: string[], maxOrder: number): Map<string, number>[] {
  return Array.from({ length: maxOrder }, (_, n) => {
    const counts = new Map<string, number>();
    for (let i = 0; i + n < tokens.length; i++) {
      const key = tokens.slice(i, i + n + 1).join(' ');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  });
}

/** The reference length nearest the hypothesis length; of two equally near, the shorter (sacreBLEU's rule). */
export function closestRefLength(hypLen: number, refLens: number[]): number {
  let best = refLens[0];
  for (const len of refLens) {
    const [d, dBest] = [Math.abs(hypLen - len), Math.abs(hypLen - best)];
    if (d < dBest || (d === dBest && len < best)) best = len;
  }
  return best;
}

/** Adds one segment's statistics to `acc`: hypothesis n-grams clipped by the most any one reference holds. */
function addSegment(acc: BleuStatistics, hyp: string[], refs: string[][], maxOrder: number): void {
  const maxRef = ngramCounts([], maxOrder);
  for (const ref of refs) {
    ngramCounts(ref, maxOrder).forEach((grams, n) => {
      for (const [gram, c] of grams) maxRef[n].set(gram, Math.max(maxRef[n].get(gram) ?? 0, c));
    });
  }
  ngramCounts(hyp, maxOrder).forEach((grams, n) => {
    for (const [gram, c] of grams) {
      acc.totals[n] += c;
      acc.counts[n] += Math.min(c, maxRef[n].get(gram) ?? 0);
    }
  });
  acc.hyp_len += hyp.length;
  acc.ref_len += closestRefLength(hyp.length, refs.map((r) => r.length));
}

/** Rejects an empty reference set or a stream whose length differs from the hypotheses', in one line. */
export function checkStreams(metric: string, hypotheses: string[], references: string[][]): void {
  if (references.length === 0) throw new Error(`${metric}: references must hold at least one reference stream`);
  references.forEach((stream, i) => {
    if (stream.length !== hypotheses.length) {
      throw new Error(`${metric}: reference stream ${i} has ${stream.length} lines but there are ${hypotheses.length} hypotheses`);
    }
  });
}

/** Rejects option values a JavaScript caller could pass past the types, naming the field. */
function checkOptions(options: BleuOptions): void {
  const { tokenize, smooth, maxOrder = 4 } = options;
  if (tokenize !== undefined && tokenize !== '13a' && tokenize !== 'none') {
    throw new Error(`corpusBleu: tokenize must be '13a' or 'none', got '${tokenize}'`);
  }
  if (smooth !== undefined && !Object.hasOwn(SMOOTH_DEFAULTS, smooth)) {
    throw new Error(`corpusBleu: smooth must be exp, none, floor or add-k, got '${smooth}'`);
  }
  if (!Number.isInteger(maxOrder) || maxOrder < 1) throw new Error(`corpusBleu: maxOrder must be a positive integer, got ${maxOrder}`);
}

/** Corpus-level BLEU statistics: `references[r][i]` is reference r of hypothesis i. */
export function bleuStatistics(hypotheses: string[], references: string[][], options: BleuOptions = {}): BleuStatistics {
  checkStreams('corpusBleu', hypotheses, references);
  checkOptions(options);
  const maxOrder = options.maxOrder ?? 4;
  const acc: BleuStatistics = { counts: new Array(maxOrder).fill(0), totals: new Array(maxOrder).fill(0), hyp_len: 0, ref_len: 0 };
  hypotheses.forEach((hyp, i) => {
    addSegment(acc, tokensOf(hyp, options), references.map((stream) => tokensOf(stream[i], options)), maxOrder);
  });
  return acc;
}

/**
 * Precisions in % for each order, smoothed as sacreBLEU does, and how many orders the score
 * averages. Smoothing acts only on orders with no match, except add-k, which adds k to every
 * order above 1 (unigrams stay raw so a hypothesis sharing no word still scores 0).
 * 'exp' (mteval-v13a): the i-th order without a match gets 1 / (2^i * total).
 */
function smoothedPrecisions(s: BleuStatistics, options: BleuOptions): { precisions: number[]; order: number } {
  const smooth = options.smooth ?? 'exp';
  const k = options.smoothValue ?? SMOOTH_DEFAULTS[smooth];
  const precisions = new Array<number>(s.counts.length).fill(0);
  let [divisor, order] = [1, s.counts.length];
  for (let n = 0; n < s.counts.length; n++) {
    const addK = smooth === 'add-k' && n > 0 ? k : 0;
    const [count, total] = [s.counts[n] + addK, s.totals[n] + addK];
    // No n-grams of this order at all (hypotheses too short): stop; the higher orders stay 0.
    if (total === 0) break;
    if (options.effectiveOrder) order = n + 1;
    if (count > 0) precisions[n] = (100 * count) / total;
    else if (smooth === 'exp') precisions[n] = 100 / ((divisor *= 2) * total);
    else if (smooth === 'floor') precisions[n] = (100 * k) / total;
  }
  return { precisions, order };
}

function signatureOf(nrefs: number, options: BleuOptions): string {
  const smooth = options.smooth ?? 'exp';
  const value = smooth === 'floor' || smooth === 'add-k' ? `[${(options.smoothValue ?? SMOOTH_DEFAULTS[smooth]).toFixed(2)}]` : '';
  const fields = [`nrefs:${nrefs}`, `case:${options.lowercase ? 'lc' : 'mixed'}`, `eff:${options.effectiveOrder ? 'yes' : 'no'}`];
  return [...fields, `tok:${options.tokenize ?? '13a'}`, `smooth:${smooth}${value}`].join('|');
}

/**
 * BLEU from summed statistics (sacreBLEU's `compute_bleu`):
 * score = bp * exp(mean over orders of log p_n), bp = min(1, exp(1 - ref_len / hyp_len)).
 * A corpus with no matching n-gram at all scores 0 whatever the smoothing. `nrefs` only feeds
 * the signature.
 */
export function bleuFromStatistics(s: BleuStatistics, options: BleuOptions = {}, nrefs = 1): BleuScore {
  const bp = s.hyp_len >= s.ref_len ? 1 : s.hyp_len > 0 ? Math.exp(1 - s.ref_len / s.hyp_len) : 0;
  const ratio = s.ref_len > 0 ? s.hyp_len / s.ref_len : 0;
  const base = { ...s, counts: [...s.counts], totals: [...s.totals], bp, ratio, signature: signatureOf(nrefs, options) };
  if (s.counts.every((c) => c === 0)) return { ...base, score: 0, precisions: new Array(s.counts.length).fill(0) };
  const { precisions, order } = smoothedPrecisions(s, options);
  // Averaging logs of fractions, not of percentages, makes a perfect match exactly 100 (log 1 = 0).
  // log 0 = -Infinity makes the score exactly 0 where sacreBLEU's floored log gives exp(-2.5e9) = 0.
  let logSum = 0;
  for (let n = 0; n < order; n++) logSum += Math.log(precisions[n] / 100);
  return { ...base, score: 100 * bp * Math.exp(logSum / order), precisions };
}

/**
 * Corpus BLEU of `hypotheses` against one or more reference streams, each as long as
 * `hypotheses` (`references[r][i]` is reference r of hypothesis i). An empty corpus scores 0.
 */
export function corpusBleu(hypotheses: string[], references: string[][], options: BleuOptions = {}): BleuScore {
  return bleuFromStatistics(bleuStatistics(hypotheses, references, options), options, references.length);
}

/**
 * sacreBLEU's score line, e.g.
 * `BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)`;
 * with `signature`, `BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp = 48.53 ...`.
 */
export function formatBleu(s: BleuScore, options: { signature?: boolean; width?: number } = {}): string {
  const name = options.signature ? `BLEU|${s.signature}` : 'BLEU';
  const precisions = s.precisions.map((p) => p.toFixed(1)).join('/');
  const detail = `(BP = ${s.bp.toFixed(3)} ratio = ${s.ratio.toFixed(3)} hyp_len = ${s.hyp_len} ref_len = ${s.ref_len})`;
  return `${name} = ${s.score.toFixed(options.width ?? 2)} ${precisions} ${detail}`;
}
