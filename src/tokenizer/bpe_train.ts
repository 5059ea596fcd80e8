/**
 * Byte-level BPE training. Written here rather than taken from a library because no maintained
 * npm package trains BPE (Hugging Face's trainer is Rust/Python only). Incremental pair counts
 * with a lazy max-heap keep each merge proportional to the words it touches.
 */
import { BYTE_TO_CHAR, PRETOKENIZE, toByteString } from './bytes.ts';

export interface BpeTrainResult {
  /** Byte symbols followed by merged symbols, in id order (specials not included). */
  symbols: string[];
  merges: [string, string][];
}

/** Counts byte-level pre-tokens over texts. */
export function countWords(texts: Iterable<string>, onProgress?: (bytes: number) => void): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const m of text.matchAll(PRETOKENIZE)) {
      const w = toByteString(m[0]);
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    onProgress?.(text.length);
  }
  return counts;
}

class PairHeap {
  private readonly counts: number[] = [];
  private readonly keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.keys.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0], this.keys[0]];
    const lastC = this.counts.pop()!;
    const lastK = this.keys.pop()!;
    if (this.keys.length > 0) {
      this.counts[0] = lastC;
      this.keys[0] = lastK;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.keys.length && this.before(l, best)) best = l;
        if (r < this.keys.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }

  // Higher count first; ties broken by the smaller key so training is deterministic.
  private before(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
}

const KEY = 1 << 16;

/**
 * The corpus as symbol-id words plus, for every adjacent pair, its frequency-weighted count and
 * the words holding it: a merge then rewrites only the words that contain its pair instead of
 * rescanning the corpus.
 */
class PairIndex {
  private readonly words: number[][] = [];
  private readonly freq: number[] = [];
  private readonly pairCount = new Map<number, number>();
  private readonly pairWords = new Map<number, Set<number>>();
  /** Pairs whose count moved since the heap last got an entry for them. */
  private readonly changed = new Set<number>();

  constructor(wordCounts: Map<string, number>, idOf: Map<string, number>) {
    for (const [w, c] of wordCounts) {
      this.words.push([...w].map((ch) => idOf.get(ch)!));
      this.freq.push(c);
    }
    for (let wi = 0; wi < this.words.length; wi++) this.addPairs(wi, 1);
  }

  count(key: number): number | undefined {
    return this.pairCount.get(key);
  }

  /** One heap entry per pair, with its count over the whole corpus. */
  seed(heap: PairHeap): void {
    for (const [key, c] of this.pairCount) heap.push(c, key);
    this.changed.clear();
  }

  /** Replaces pair `key` = (a, b) with the new symbol z in every word that holds it. */
  merge(key: number, a: number, b: number, z: number): void {
    for (const wi of this.pairWords.get(key) ?? []) this.rewrite(wi, a, b, z);
    this.pairCount.delete(key);
    this.pairWords.delete(key);
    this.changed.delete(key);
  }

  /** Every pair whose count moved gets a fresh heap entry; older entries for it are now stale. */
  pushChanged(heap: PairHeap): void {
    for (const k of this.changed) {
      const c = this.pairCount.get(k) ?? 0;
      if (c > 0) heap.push(c, k);
    }
    this.changed.clear();
  }

  // A word stays listed under a pair after losing it (sets are only added to), so check first.
  private rewrite(wi: number, a: number, b: number, z: number): void {
    const w = this.words[wi];
    let has = false;
    for (let i = 0; i + 1 < w.length; i++) if (w[i] === a && w[i + 1] === b) has = true;
    if (!has) return;
    this.addPairs(wi, -1);
    const merged: number[] = [];
    for (let i = 0; i < w.length; i++) {
      if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
        merged.push(z);
        i++;
      } else merged.push(w[i]);
    }
    this.words[wi] = merged;
    this.addPairs(wi, 1);
  }

  /** Adds (sign 1) or removes (sign -1) word wi's pairs, weighted by the word's frequency. */
  private addPairs(wi: number, sign: number): void {
    const w = this.words[wi];
    for (let i = 0; i + 1 < w.length; i++) {
      const key = w[i] * KEY + w[i + 1];
      const c = (this.pairCount.get(key) ?? 0) + sign * this.freq[wi];
      this.pairCount.set(key, c);
      this.changed.add(key);
      if (sign > 0) {
        let set = this.pairWords.get(key);
        if (!set) this.pairWords.set(key, (set = new Set()));
        set.add(wi);
      }
    }
  }
}

/** Learns up to `numMerges` merges (fewer if no pair occurs twice). */
export function trainBpe(wordCounts: Map<string, number>, numMerges: number, onMerge?: (done: number) => void): BpeTrainResult {
  const symbols = [...BYTE_TO_CHAR];
  const index = new PairIndex(wordCounts, new Map(symbols.map((s, i) => [s, i])));
  const heap = new PairHeap();
  index.seed(heap);

  const merges: [string, string][] = [];
  while (merges.length < numMerges && heap.size > 0) {
    const [count, key] = heap.pop();
    if (index.count(key) !== count) continue; // stale entry
    if (count < 2) break;
    const a = Math.floor(key / KEY);
    const b = key % KEY;
    const z = symbols.length;
    symbols.push(symbols[a] + symbols[b]);
    merges.push([symbols[a], symbols[b]]);
    index.merge(key, a, b, z);
    index.pushChanged(heap);
    onMerge?.(merges.length);
  }
  return { symbols, merges };
}
