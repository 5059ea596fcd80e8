/**
 * BERT's WordPiece tokenizer as Hugging Face tokenizers runs it from tokenizer.json: the
 * BertNormalizer (drop control characters, whitespace to spaces, spaces around CJK ideographs,
 * lowercase and strip accents when configured), the BertPreTokenizer (split on whitespace and
 * around every punctuation character), then greedy longest-match-first pieces with a `##` prefix
 * after the first, a word with no full segmentation becoming [UNK]. Imported BERT models keep
 * their ids renumbered so the special tokens take RoBERTa's roles at 0-4 (tokenizer/hf_vocab.ts):
 * [CLS] 0, [PAD] 1, [SEP] 2, [UNK] 3, [MASK] 4, so a classifier row [CLS] text [SEP] is BERT's.
 * Written by hand: the npm WordPiece tokenizers bundle a model hub client or a WASM build.
 */
import { BOS, EOS, SPECIAL_TOKENS, UNK } from './tokenizer.ts';

export const BERT_SPECIAL_TOKENS = ['[CLS]', '[PAD]', '[SEP]', '[UNK]', '[MASK]'] as const;

export interface BertNormalizerOptions {
  clean_text: boolean;
  handle_chinese_chars: boolean;
  /** null: strip accents exactly when lowercasing, as tokenizers does. */
  strip_accents: boolean | null;
  lowercase: boolean;
}

export interface WordPieceOptions {
  normalizer: BertNormalizerOptions;
  continuingSubwordPrefix: string;
  maxInputCharsPerWord: number;
}

const CONTROL = /\p{C}/u;
const WHITESPACE = /[\t\n\r]|\p{White_Space}/u;
const PUNCTUATION = /[!-/:-@[-`{-~]|\p{P}/u;
const MARK_NONSPACING = /\p{Mn}/gu;

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export class WordPieceTokenizer {
  readonly vocab: Map<string, number>;

  /** `tokens` in id order; the first five are BERT_SPECIAL_TOKENS in tltc's roles. */
  constructor(
    readonly tokens: readonly string[],
    readonly options: WordPieceOptions,
  ) {
    BERT_SPECIAL_TOKENS.forEach((t, i) => {
      if (tokens[i] !== t) throw new Error(`WordPiece vocabulary: id ${i} must be ${t} (tltc's ${SPECIAL_TOKENS[i]}), found ${tokens[i]}`);
    });
    this.vocab = new Map(tokens.map((t, i) => [t, i]));
  }

  get vocabSize(): number {
    return this.tokens.length;
  }

  normalize(text: string): string {
    const o = this.options.normalizer;
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      if (o.clean_text && (cp === 0 || cp === 0xfffd || (CONTROL.test(ch) && !'\t\n\r'.includes(ch)))) continue;
      if (o.clean_text && WHITESPACE.test(ch)) out += ' ';
      else if (o.handle_chinese_chars && isChinese(cp)) out += ` ${ch} `;
      else out += ch;
    }
    if (o.strip_accents ?? o.lowercase) out = out.normalize('NFD').replace(MARK_NONSPACING, '');
    return o.lowercase ? out.toLowerCase() : out;
  }

  /** Words and punctuation marks, in order. */
  private preTokenize(text: string): string[] {
    const words: string[] = [];
    let word = '';
    for (const ch of text) {
      if (WHITESPACE.test(ch) || PUNCTUATION.test(ch)) {
        if (word) words.push(word);
        word = '';
        if (!WHITESPACE.test(ch)) words.push(ch);
      } else word += ch;
    }
    if (word) words.push(word);
    return words;
  }

  private encodeWord(word: string): number[] {
    const chars = [...word];
    if (chars.length > this.options.maxInputCharsPerWord) return [UNK];
    const ids: number[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let id: number | undefined;
      for (; end > start; end--) {
        const piece = (start > 0 ? this.options.continuingSubwordPrefix : '') + chars.slice(start, end).join('');
        id = this.vocab.get(piece);
        if (id !== undefined) break;
      }
      if (id === undefined) return [UNK];
      ids.push(id);
      start = end;
    }
    return ids;
  }

  /** Ids of `text` without special tokens. */
  encode(text: string): number[] {
    return this.preTokenize(this.normalize(text)).flatMap((w) => this.encodeWord(w));
  }

  /** [CLS] text [SEP], with special tokens written in the text kept whole, as tokenizers does. */
  encodeForModel(text: string): number[] {
    const ids: number[] = [BOS];
    const specials = new RegExp(`(${BERT_SPECIAL_TOKENS.map((t) => t.replace(/[[\]]/g, '\\$&')).join('|')})`);
    for (const part of text.split(specials)) {
      const special = BERT_SPECIAL_TOKENS.indexOf(part as (typeof BERT_SPECIAL_TOKENS)[number]);
      if (special >= 0) ids.push(special);
      else ids.push(...this.encode(part));
    }
    ids.push(EOS);
    return ids;
  }
}
