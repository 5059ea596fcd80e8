/** Byte-level BPE tokenizer with RoBERTa's special tokens, saved as Hugging Face tokenizer.json. */
import { PRETOKENIZE, fromByteString, toByteString } from './bytes.ts';

export const SPECIAL_TOKENS = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'] as const;
export const BOS = 0;
export const PAD = 1;
export const EOS = 2;
export const UNK = 3;
export const MASK = 4;
export const FIRST_REGULAR_ID = SPECIAL_TOKENS.length;

export class Tokenizer {
  readonly vocab: Map<string, number>;
  private readonly ranks: Map<string, number>;
  private readonly cache = new Map<string, number[]>();

  /** `symbols` are the non-special tokens in id order (256 bytes first, then merges). */
  constructor(
    readonly symbols: readonly string[],
    readonly merges: readonly (readonly [string, string])[],
  ) {
    this.vocab = new Map<string, number>();
    SPECIAL_TOKENS.forEach((t, i) => this.vocab.set(t, i));
    symbols.forEach((s, i) => this.vocab.set(s, FIRST_REGULAR_ID + i));
    this.ranks = new Map(merges.map(([a, b], i) => [`${a} ${b}`, i]));
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Ids of `text` without special tokens. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const m of text.matchAll(PRETOKENIZE)) ids.push(...this.encodeWord(toByteString(m[0])));
    return ids;
  }

  /**
   * Ids of `text` as Hugging Face tokenizers (and so transformers.js) produce them for this
   * tokenizer.json: special tokens written in the text are matched first ("<mask>" absorbing the
   * whitespace before it), the rest is byte-level BPE, and the result is wrapped in <s> ... </s>.
   */
  encodeForModel(text: string): number[] {
    const ids: number[] = [BOS];
    let rest = text;
    while (rest.length > 0) {
      let at = -1;
      let special = -1;
      for (let id = 0; id < SPECIAL_TOKENS.length; id++) {
        const i = rest.indexOf(SPECIAL_TOKENS[id]);
        if (i >= 0 && (at < 0 || i < at)) [at, special] = [i, id];
      }
      if (at < 0) {
        ids.push(...this.encode(rest));
        break;
      }
      const before = special === MASK ? rest.slice(0, at).trimEnd() : rest.slice(0, at);
      ids.push(...this.encode(before), special);
      rest = rest.slice(at + SPECIAL_TOKENS[special].length);
    }
    ids.push(EOS);
    return ids;
  }

  decode(ids: readonly number[]): string {
    const pieces: string[] = [];
    for (const id of ids) {
      if (id < FIRST_REGULAR_ID) continue;
      pieces.push(this.symbols[id - FIRST_REGULAR_ID] ?? '');
    }
    return fromByteString(pieces.join(''));
  }

  /** Standard BPE: repeatedly merge the adjacent pair with the lowest merge rank. */
  private encodeWord(word: string): number[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    let parts = [...word];
    while (parts.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = this.ranks.get(`${parts[i]} ${parts[i + 1]}`);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const [a, b] = [parts[best], parts[best + 1]];
      const merged: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) {
          merged.push(a + b);
          i++;
        } else merged.push(parts[i]);
      }
      parts = merged;
    }
    const ids = parts.map((p) => this.vocab.get(p) ?? UNK);
    if (this.cache.size < 500_000) this.cache.set(word, ids);
    return ids;
  }
}
