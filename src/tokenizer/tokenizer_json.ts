/** Reading and writing the Hugging Face tokenizers format (tokenizer.json, tokenizer_config.json). */
import { z } from 'zod';
import { formatZodError } from '../util/zod_error.ts';
import { BOS, EOS, FIRST_REGULAR_ID, SPECIAL_TOKENS, Tokenizer } from './tokenizer.ts';

export function tokenizerToJson(tok: Tokenizer): object {
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

/** tokenizer_config.json: without it transformers.js does not load the tokenizer. */
export function tokenizerConfigJson(maxLen: number): object {
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

export function tokenizerFromJson(raw: unknown, where = 'tokenizer.json'): Tokenizer {
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
