/** Reading and writing the Hugging Face tokenizers format (tokenizer.json, tokenizer_config.json). */
import { z } from 'zod';
import { formatZodError } from '../util/zod_error.ts';
import { BOS, EOS, FIRST_REGULAR_ID, SPECIAL_TOKENS, Tokenizer } from './tokenizer.ts';
import { BERT_SPECIAL_TOKENS, WordPieceTokenizer, type BertNormalizerOptions } from './wordpiece.ts';

/** What training, fine-tuning and evaluation need of a checkpoint's tokenizer; special tokens sit at ids 0-4. */
export type TextTokenizer = Tokenizer | WordPieceTokenizer;

export function tokenizerToJson(tok: TextTokenizer): object {
  if (tok instanceof WordPieceTokenizer) return wordPieceToJson(tok);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: content === '<mask>', // as RoBERTa: "<mask>" absorbs the space before it
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: ['</s>', EOS],
      cls: ['<s>', BOS],
      trim_offsets: true,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(tok.vocab),
      merges: tok.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

/** BERT's tokenizer.json layout, with the ids of this tokenizer. */
function wordPieceToJson(tok: WordPieceTokenizer): object {
  const [cls, , sep] = BERT_SPECIAL_TOKENS;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', ...tok.options.normalizer },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: sep, type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: sep, type_id: 1 } },
      ],
      special_tokens: { [cls]: { id: cls, ids: [BOS], tokens: [cls] }, [sep]: { id: sep, ids: [EOS], tokens: [sep] } },
    },
    decoder: { type: 'WordPiece', prefix: tok.options.continuingSubwordPrefix, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: tok.options.continuingSubwordPrefix,
      max_input_chars_per_word: tok.options.maxInputCharsPerWord,
      vocab: Object.fromEntries(tok.vocab),
    },
  };
}

/** tokenizer_config.json: without it transformers.js does not load the tokenizer. */
export function tokenizerConfigJson(maxLen: number, tok: TextTokenizer): object {
  if (tok instanceof WordPieceTokenizer) {
    const n = tok.options.normalizer;
    const [cls, pad, sep, unk, mask] = BERT_SPECIAL_TOKENS;
    return {
      tokenizer_class: 'BertTokenizer',
      model_max_length: maxLen,
      do_lower_case: n.lowercase,
      strip_accents: n.strip_accents,
      tokenize_chinese_chars: n.handle_chinese_chars,
      cls_token: cls,
      pad_token: pad,
      sep_token: sep,
      unk_token: unk,
      mask_token: mask,
      clean_up_tokenization_spaces: true,
    };
  }
  return {
    tokenizer_class: 'RobertaTokenizer',
    model_max_length: maxLen,
    bos_token: '<s>',
    eos_token: '</s>',
    sep_token: '</s>',
    cls_token: '<s>',
    unk_token: '<unk>',
    pad_token: '<pad>',
    mask_token: '<mask>',
    add_prefix_space: false,
    clean_up_tokenization_spaces: false,
  };
}

const TokenizerJsonSchema = z.object({
  model: z.object({
    type: z.literal('BPE'),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])),
  }),
});

const WordPieceJsonSchema = z.object({
  normalizer: z.object({
    type: z.literal('BertNormalizer'),
    clean_text: z.boolean().default(true),
    handle_chinese_chars: z.boolean().default(true),
    strip_accents: z.boolean().nullable().default(null),
    lowercase: z.boolean().default(true),
  }),
  pre_tokenizer: z.object({ type: z.literal('BertPreTokenizer') }),
  model: z.object({
    type: z.literal('WordPiece'),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    continuing_subword_prefix: z.string().default('##'),
    max_input_chars_per_word: z.number().int().positive().default(100),
  }),
});

/** Tokens of a vocabulary object in id order, which must run 0..n-1 without gaps. */
function tokensInIdOrder(vocab: Record<string, number>, where: string): string[] {
  const tokens: string[] = [];
  for (const [token, id] of Object.entries(vocab)) tokens[id] = token;
  if (tokens.length !== Object.keys(vocab).length || tokens.some((t) => t === undefined)) throw new Error(`${where}: vocabulary ids are not contiguous`);
  return tokens;
}

/** A BERT-style tokenizer.json whose ids are already renumbered to tltc's layout (see hf_vocab.ts). */
export function wordPieceFromJson(raw: unknown, where: string): WordPieceTokenizer {
  const r = WordPieceJsonSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where} is not a BERT WordPiece tokenizer tltc reads (${formatZodError(r.error)})`);
  const { normalizer, model } = r.data;
  const { type: _type, ...options } = normalizer;
  const normalizerOptions: BertNormalizerOptions = options;
  return new WordPieceTokenizer(tokensInIdOrder(model.vocab, where), {
    normalizer: normalizerOptions,
    continuingSubwordPrefix: model.continuing_subword_prefix,
    maxInputCharsPerWord: model.max_input_chars_per_word,
  });
}

/** A checkpoint's tokenizer.json: byte-level BPE (tltc's own) or WordPiece (imported BERT). */
export function tokenizerFromJson(raw: unknown, where = 'tokenizer.json'): TextTokenizer {
  const type = (raw as { model?: { type?: unknown } } | null)?.model?.type;
  if (type === 'WordPiece') return wordPieceFromJson(raw, where);
  if (type !== undefined && type !== 'BPE') throw new Error(`${where} is a ${String(type)} tokenizer; tltc reads byte-level BPE and WordPiece`);
  return bpeTokenizerFromJson(raw, where);
}

/** tltc's byte-level BPE tokenizer.json (special tokens at 0-4). */
export function bpeTokenizerFromJson(raw: unknown, where = 'tokenizer.json'): Tokenizer {
  const r = TokenizerJsonSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where} is not a byte-level BPE tokenizer (${formatZodError(r.error)})`);
  const { vocab, merges } = r.data.model;
  const symbols: string[] = [];
  for (const [token, id] of Object.entries(vocab)) {
    if (id < FIRST_REGULAR_ID) {
      if (SPECIAL_TOKENS[id] !== token) throw new Error(`${where}: id ${id} should be ${SPECIAL_TOKENS[id]}, found ${token}`);
      continue;
    }
    symbols[id - FIRST_REGULAR_ID] = token;
  }
  if (symbols.some((s) => s === undefined) || symbols.length !== Object.keys(vocab).length - FIRST_REGULAR_ID) {
    throw new Error(`${where}: vocabulary ids are not contiguous`);
  }
  const pairs = merges.map((m) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (pair.length !== 2) throw new Error(`${where}: merge "${String(m)}" is not a pair`);
    return [pair[0], pair[1]] as const;
  });
  return new Tokenizer(symbols, pairs);
}
