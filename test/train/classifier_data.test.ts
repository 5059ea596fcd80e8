import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeExamples, exampleTokens } from '../../src/train/classifier_data.ts';
import { BOS, EOS, PAD } from '../../src/tokenizer/tokenizer.ts';
import type { TextTokenizer } from '../../src/tokenizer/tokenizer_json.ts';

/** One token per word, numbered by the word's length plus 10: enough to see which words survive truncation. */
const words = { encode: (text: string) => text.split(/\s+/).filter(Boolean).map((w) => 10 + w.length) } as unknown as TextTokenizer;

describe('classifier examples as token rows', () => {
  it('a single text is <s> text </s>, its text cut to fit', () => {
    assert.deepEqual(exampleTokens(words, { text: 'a bb ccc' }, 16), [BOS, 11, 12, 13, EOS]);
    assert.deepEqual(exampleTokens(words, { text: 'a bb ccc dddd' }, 4), [BOS, 11, 12, EOS]);
  });

  it('a pair is <s> a </s></s> b </s>, and the longer text loses tokens first', () => {
    assert.deepEqual(exampleTokens(words, { text: 'a bb', pair: 'ccc' }, 16), [BOS, 11, 12, EOS, EOS, 13, EOS]);
    // Room for 4 text tokens: a has 5 and b has 1, so a keeps 3.
    assert.deepEqual(exampleTokens(words, { text: 'a bb ccc dddd eeeee', pair: 'ffffff' }, 8), [BOS, 11, 12, 13, EOS, EOS, 16, EOS]);
    // Both long: cut alternately from the longer until they fit, 2 and 2.
    assert.deepEqual(exampleTokens(words, { text: 'a bb ccc', pair: 'dddd eeeee ffffff' }, 8), [BOS, 11, 12, EOS, EOS, 14, 15, EOS]);
  });

  it('pads rows to the length and masks the padding', () => {
    const split = encodeExamples(words, [{ text: 'a', pair: 'bb', label: 1, source: 's' }], 8);
    assert.deepEqual(Array.from(split.ids, Number), [BOS, 11, EOS, EOS, 12, EOS, PAD, PAD]);
    assert.deepEqual(Array.from(split.mask, Number), [1, 1, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(split.labels), [1]);
  });
});
