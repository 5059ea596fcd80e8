import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countWords, trainBpe } from '../../src/tokenizer/bpe_train.ts';
import { fromByteString, toByteString } from '../../src/tokenizer/bytes.ts';
import { Tokenizer } from '../../src/tokenizer/tokenizer.ts';
import { tokenizerFromJson, tokenizerToJson } from '../../src/tokenizer/tokenizer_json.ts';

const TEXT = [
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse,',
  'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.',
  'It is a way I have of driving off the spleen and regulating the circulation.',
].join('\n').repeat(5);

const TRICKY = ['', ' ', 'héllo wörld', '日本語のテキスト', 'emoji 🚀🔥 and 👩‍👩‍👧', 'tabs\tand\n\nnewlines   runs', "it's they're we'll", '12345 678.9', '\u0000\u0001 control'];

describe('byte-level BPE', () => {
  const tok = (() => {
    const { symbols, merges } = trainBpe(countWords([TEXT]), 120);
    return new Tokenizer(symbols, merges);
  })();

  it('maps every byte to a character and back', () => {
    for (const s of TRICKY) assert.equal(fromByteString(toByteString(s)), s);
  });

  it('learns merges that shorten the training text', () => {
    assert.equal(tok.vocabSize, 5 + 256 + 120);
    const bytes = new TextEncoder().encode(TEXT).length;
    assert.ok(tok.encode(TEXT).length < bytes * 0.5, 'BPE should at least halve the byte count on its own training text');
  });

  it('decodes what it encodes, exactly, including unicode, emoji and whitespace runs', () => {
    for (const s of TRICKY) assert.equal(tok.decode(tok.encode(s)), s);
  });

  it('is deterministic and survives a tokenizer.json round trip', () => {
    const again = trainBpe(countWords([TEXT]), 120);
    assert.deepEqual(again.merges, tok.merges);
    const loaded = tokenizerFromJson(JSON.parse(JSON.stringify(tokenizerToJson(tok))));
    for (const s of [...TRICKY, TEXT]) assert.deepEqual(loaded.encode(s), tok.encode(s));
  });

  it('refuses a tokenizer.json of another kind with a clear error', () => {
    assert.throws(() => tokenizerFromJson({ model: { type: 'Unigram' } }), /tokenizer.json is a Unigram tokenizer; tltc reads byte-level BPE and WordPiece/);
    assert.throws(() => tokenizerFromJson({ model: { type: 'BPE', vocab: {} } }), /tokenizer.json is not a byte-level BPE tokenizer/);
    assert.throws(() => tokenizerFromJson({ model: { type: 'WordPiece' } }), /tokenizer.json is not a BERT WordPiece tokenizer tltc reads/);
  });
});
