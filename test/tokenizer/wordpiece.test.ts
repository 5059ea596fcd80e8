import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { readHfTokenizer } from '../../src/tokenizer/hf_vocab.ts';
import { tokenizerConfigJson, tokenizerFromJson, tokenizerToJson } from '../../src/tokenizer/tokenizer_json.ts';
import { WordPieceTokenizer } from '../../src/tokenizer/wordpiece.ts';
import { bertTokenizerConfig, bertTokenizerJson } from '../helpers/bert_tokenizer.ts';
import { tmpDir } from '../helpers/cli.ts';
import { TRICKY_TEXT, trickyWithSpecials } from '../helpers/tricky_strings.ts';

const TRICKY = [...TRICKY_TEXT, ...trickyWithSpecials('[MASK]', ['[CLS]', '[SEP]', '[PAD]']), 'supercalifragilisticexpialidocious'.repeat(4)];

describe('WordPiece (BERT) tokenizer', () => {
  let models: string;
  before(() => {
    models = tmpDir('tltc-wordpiece-');
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = models;
  });

  for (const lowercase of [true, false]) {
    it(`renumbers a BERT tokenizer.json and tokenizes tricky strings exactly as transformers.js does (${lowercase ? 'uncased' : 'cased'})`, async () => {
      const { json, vocabSize } = bertTokenizerJson({ lowercase });
      const original = `bert-${lowercase ? 'uncased' : 'cased'}`;
      mkdirSync(path.join(models, original), { recursive: true });
      writeFileSync(path.join(models, original, 'tokenizer.json'), JSON.stringify(json));
      writeFileSync(path.join(models, original, 'tokenizer_config.json'), JSON.stringify(bertTokenizerConfig(lowercase)));
      const { tokenizer, order } = readHfTokenizer(json, 'bert tokenizer.json');
      assert.ok(tokenizer instanceof WordPieceTokenizer);
      assert.equal(tokenizer.vocabSize, vocabSize);
      assert.deepEqual(order.slice(0, 5), [4, 0, 5, 3, 6], '[CLS] [PAD] [SEP] [UNK] [MASK] move to 0-4');
      const toTltc = new Map(order.map((orig, id) => [orig, id]));

      // The same ids from the original tokenizer.json (through order) and from the one tltc writes.
      const written = `${original}-tltc`;
      mkdirSync(path.join(models, written), { recursive: true });
      writeFileSync(path.join(models, written, 'tokenizer.json'), JSON.stringify(tokenizerToJson(tokenizer)));
      writeFileSync(path.join(models, written, 'tokenizer_config.json'), JSON.stringify(tokenizerConfigJson(512, tokenizer)));
      const theirs = await AutoTokenizer.from_pretrained(original);
      const theirsRewritten = await AutoTokenizer.from_pretrained(written);
      const reread = tokenizerFromJson(JSON.parse(JSON.stringify(tokenizerToJson(tokenizer))), 'written');
      let unknowns = 0;
      for (const text of TRICKY) {
        const ours = tokenizer.encodeForModel(text);
        const viaOriginal = (theirs(text).input_ids.tolist() as bigint[][])[0].map((id) => toTltc.get(Number(id)));
        assert.deepEqual(ours, viaOriginal, JSON.stringify(text));
        assert.deepEqual((theirsRewritten(text).input_ids.tolist() as bigint[][])[0].map(Number), ours, `rewritten: ${JSON.stringify(text)}`);
        assert.deepEqual(reread.encodeForModel(text), ours);
        unknowns += ours.filter((id) => id === 3).length;
      }
      assert.ok(unknowns > 0 && unknowns < 40, `the strings exercise [UNK] without being all unknown (${unknowns})`);
    });
  }
});
