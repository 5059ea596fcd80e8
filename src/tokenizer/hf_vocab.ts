/**
 * A Hugging Face tokenizer.json as a tltc tokenizer: byte-level BPE (RoBERTa's kind) or WordPiece
 * (BERT's). tltc keeps the five special tokens at ids 0-4 in RoBERTa's roles (BERT's [CLS] [PAD]
 * [SEP] [UNK] [MASK] take those of <s> <pad> </s> <unk> <mask>) and the other tokens after them
 * in their original order, so a tokenizer whose <mask> sits last (as roberta-base's does at
 * 50264) or whose specials are spread out (as BERT's are) is renumbered: `order[tltcId]` is the
 * original id, which the importer uses to reorder embedding rows.
 */
import { z } from 'zod';
import { formatZodError } from '../util/zod_error.ts';
import { SPECIAL_TOKENS, Tokenizer } from './tokenizer.ts';
import { wordPieceFromJson, type TextTokenizer } from './tokenizer_json.ts';
import { BERT_SPECIAL_TOKENS } from './wordpiece.ts';

const ByteLevel = z.object({ type: z.literal('ByteLevel'), add_prefix_space: z.boolean().optional() });

const HfTokenizerSchema = z.object({
  added_tokens: z.array(z.object({ id: z.number().int().nonnegative(), content: z.string() })).default([]),
  pre_tokenizer: z.unknown(),
  model: z.object({
    type: z.string(),
    vocab: z.record(z.string(), z.number().int().nonnegative()),
    merges: z.array(z.union([z.string(), z.tuple([z.string(), z.string()])])).default([]),
  }),
});

export interface RenumberedTokenizer {
  tokenizer: TextTokenizer;
  /** The original id of each tltc id. */
  order: number[];
}

export function readHfTokenizer(raw: unknown, where: string): RenumberedTokenizer {
  const type = (raw as { model?: { type?: unknown } } | null)?.model?.type;
  if (type !== 'BPE' && type !== 'WordPiece') {
    throw new Error(`${where} is a ${String(type)} tokenizer; tltc reads byte-level BPE (RoBERTa's) and WordPiece (BERT's)`);
  }
  const r = HfTokenizerSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where} is not a Hugging Face tokenizer.json (${formatZodError(r.error)})`);
  const { model, added_tokens } = r.data;
  if (model.type === 'BPE') {
    const pre = ByteLevel.safeParse(r.data.pre_tokenizer);
    if (!pre.success || pre.data.add_prefix_space) {
      throw new Error(`${where}: tltc reads byte-level BPE with the ByteLevel pre-tokenizer and no prefix space (as RoBERTa's), found ${JSON.stringify(r.data.pre_tokenizer)}`);
    }
  }
  const specialTokens: readonly string[] = model.type === 'BPE' ? SPECIAL_TOKENS : BERT_SPECIAL_TOKENS;
  const tokenById = new Map<number, string>();
  for (const [token, id] of Object.entries(model.vocab)) tokenById.set(id, token);
  for (const t of added_tokens) {
    const known = tokenById.get(t.id);
    if (known !== undefined && known !== t.content) throw new Error(`${where}: id ${t.id} is both ${known} and ${t.content}`);
    tokenById.set(t.id, t.content);
  }
  const size = Math.max(...tokenById.keys()) + 1;
  if (tokenById.size !== size) throw new Error(`${where}: token ids are not contiguous (${tokenById.size} tokens, highest id ${size - 1})`);
  const idOf = new Map([...tokenById].map(([id, token]) => [token, id]));
  const specialIds = specialTokens.map((t) => {
    const id = idOf.get(t);
    if (id === undefined) throw new Error(`${where} has no ${t} token; tltc needs the special tokens ${specialTokens.join(' ')}`);
    return id;
  });
  const special = new Set(specialIds);
  const regular = [...tokenById.keys()].filter((id) => !special.has(id)).sort((a, b) => a - b);
  const order = [...specialIds, ...regular];
  if (model.type === 'WordPiece') {
    const renumbered = { ...(raw as object), model: { ...model, vocab: Object.fromEntries(order.map((id, i) => [tokenById.get(id)!, i])) } };
    return { tokenizer: wordPieceFromJson(renumbered, where), order };
  }
  const merges = model.merges.map((m) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (pair.length !== 2) throw new Error(`${where}: merge "${String(m)}" is not a pair`);
    return [pair[0], pair[1]] as const;
  });
  return { tokenizer: new Tokenizer(regular.map((id) => tokenById.get(id)!), merges), order };
}
