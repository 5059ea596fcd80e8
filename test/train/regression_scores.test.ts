import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pearson, ranks, scoreRegression } from '../../src/train/regression_scores.ts';
import { batchOf, encodeExamples } from '../../src/train/classifier_data.ts';
import type { TextTokenizer } from '../../src/tokenizer/tokenizer_json.ts';

describe('regression scores', () => {
  it("Pearson's r: 1 for a line, -1 for a falling line, 0 for a constant prediction", () => {
    assert.ok(Math.abs(pearson([1, 2, 3, 4], [3, 5, 7, 9]) - 1) < 1e-12);
    assert.ok(Math.abs(pearson([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12);
    assert.equal(pearson([2, 2, 2], [1, 2, 3]), 0);
    assert.ok(Math.abs(pearson([1, 2, 3], [1, 3, 2]) - 0.5) < 1e-12);
  });

  it('ranks share ties, so Spearman is Pearson on ranks', () => {
    assert.deepEqual(Array.from(ranks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
    const s = scoreRegression(Float32Array.from([1, 4, 9, 16]), [1, 2, 3, 4]);
    assert.ok(Math.abs(s.spearman - 1) < 1e-12 && s.pearson < 1, 'monotone but not linear');
    assert.ok(Math.abs(s.mse - (0 + 4 + 36 + 144) / 4) < 1e-9);
    assert.ok(s.pearson_95[0] <= s.pearson && s.pearson <= s.pearson_95[1] && s.examples === 4);
  });

  it('a regression batch carries float targets and weights that are 0 on padding rows', () => {
    const tok = { encode: (t: string) => t.split(' ').map((w) => 10 + w.length) } as unknown as TextTokenizer;
    const split = encodeExamples(tok, [{ text: 'a b', label: 2.5, source: 's' }, { text: 'c', label: -1, source: 's' }], 8, true);
    const b = batchOf(split, [1, 0], 3, 8) as unknown as Record<string, { data: Float32Array; type: string }>;
    assert.equal(b.labels.type, 'float32');
    assert.deepEqual(Array.from(b.labels.data), [-1, 2.5, 0]);
    assert.deepEqual(Array.from(b.label_weights.data), [1, 1, 0]);
  });
});
