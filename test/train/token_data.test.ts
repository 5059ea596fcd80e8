import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPosTask } from '../../src/data/pos.ts';
import { BOS, EOS, PAD } from '../../src/tokenizer/tokenizer.ts';
import { encodeTagged, IGNORE_LABEL, tokenBatchOf } from '../../src/train/token_data.ts';
import { mobyTokenizer } from '../helpers/checkpoints.ts';

const tok = mobyTokenizer();
const pieces = (words: string[]) => words.map((w, i) => tok.encode(i === 0 ? w : ` ${w}`));
const row = (a: ArrayLike<number | bigint>, r: number, seq: number) => Array.from({ length: seq }, (_, j) => Number(a[r * seq + j]));

describe('tagged sentences as token rows', () => {
  const sentence = { words: ['The', 'whale', 'swam', 'unconscionably', 'slow', '.'], tags: [5, 0, 1, 3, 2, 10] };

  it('encodes words as they appear in running text, each label on its first subword only', () => {
    const parts = pieces(sentence.words);
    assert.ok(parts.some((p) => p.length > 1), 'some word needs several subwords');
    const seq = 32;
    const split = encodeTagged(tok, [sentence], seq);
    const ids = [BOS, ...tok.encode(sentence.words.join(' ')), EOS];
    assert.deepEqual(ids, [BOS, ...parts.flat(), EOS]);
    assert.deepEqual(row(split.ids, 0, seq), [...ids, ...new Array(seq - ids.length).fill(PAD)]);
    assert.deepEqual(row(split.mask, 0, seq), [...ids.map(() => 1), ...new Array(seq - ids.length).fill(0)]);
    const labels = [IGNORE_LABEL, ...parts.flatMap((p, i) => p.map((_, j) => (j === 0 ? sentence.tags[i] : IGNORE_LABEL))), IGNORE_LABEL];
    assert.deepEqual(row(split.labels, 0, seq), [...labels, ...new Array(seq - labels.length).fill(IGNORE_LABEL)]);
    assert.equal(split.words, sentence.words.length);
  });

  it('cuts a long sentence after the last word that fits whole, and counts only the words kept', () => {
    const parts = pieces(sentence.words);
    const long = parts.findIndex((p, i) => i > 0 && p.length > 1);
    // Room for the words before the long one and all but one of its subwords.
    const seq = 2 + parts.slice(0, long).flat().length + parts[long].length - 1;
    const split = encodeTagged(tok, [sentence, { words: ['The'], tags: [5] }], seq);
    const kept = [BOS, ...parts.slice(0, long).flat(), EOS];
    assert.deepEqual(row(split.ids, 0, seq), [...kept, ...new Array(seq - kept.length).fill(PAD)]);
    const labelled = row(split.labels, 0, seq).filter((l) => l !== IGNORE_LABEL);
    assert.deepEqual(labelled, sentence.tags.slice(0, long));
    assert.equal(split.words, long + 1);
    assert.equal(split.count, 2);
  });

  it('batches rows with padding rows that attend to one position and carry no labels', () => {
    const seq = 16;
    const split = encodeTagged(tok, [sentence, { words: ['Call', 'me', 'Ishmael'], tags: [1, 4, 0] }], seq);
    const batch = tokenBatchOf(split, [1], 3, seq);
    for (const t of [batch.input_ids, batch.attention_mask, batch.labels]) {
      assert.deepEqual(t.dims, [3, seq]);
      assert.equal(t.type, 'int64');
    }
    const [ids, mask, labels] = [batch.input_ids.data, batch.attention_mask.data, batch.labels.data] as BigInt64Array[];
    assert.deepEqual(row(ids, 0, seq), row(split.ids, 1, seq));
    assert.deepEqual(row(mask, 0, seq), row(split.mask, 1, seq));
    assert.deepEqual(row(labels, 0, seq), row(split.labels, 1, seq));
    for (const b of [1, 2]) {
      assert.ok(row(ids, b, seq).every((t) => t === PAD));
      assert.deepEqual(row(mask, b, seq), [1, ...new Array(seq - 1).fill(0)]);
      assert.ok(row(labels, b, seq).every((l) => l === IGNORE_LABEL));
    }
  });

  it('labels every word of real Brown sentences when the rows are long enough', () => {
    const sentences = loadPosTask('universal').val.slice(0, 200);
    const split = encodeTagged(tok, sentences, 512);
    const words = sentences.reduce((n, s) => n + s.words.length, 0);
    assert.equal(split.words, words);
    assert.deepEqual(
      Array.from(split.labels).filter((l) => l !== IGNORE_LABEL),
      sentences.flatMap((s) => s.tags),
    );
  });
});
