import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseUnderBudget, compressedWeight, optionBytes, SEARCH_OPTIONS, sensitivity, type LayerCosts } from '../../src/compress/layer_search.ts';
import { followsPattern } from '../../src/compress/nm.ts';
import { parseBytes } from '../../src/pipeline/compress_search.ts';
import { Random } from '../../src/util/random.ts';

const rng = new Random(21);

/** Every combination of one option per layer: the exact optimum to check the Lagrangian choice against. */
function bruteForce(layers: readonly LayerCosts[], budget: number): number {
  let best = Infinity;
  const visit = (i: number, bytes: number, s: number) => {
    if (bytes > budget) return;
    if (i === layers.length) return void (best = Math.min(best, s));
    for (const c of layers[i].costs) visit(i + 1, bytes + c.bytes, s + c.sensitivity);
  };
  visit(0, 0, 0);
  return best;
}

describe('per-layer search of N:M and bits', () => {
  it('the Lagrangian choice fits the budget and is optimal for the bytes it uses', () => {
    for (let trial = 0; trial < 20; trial++) {
      const layers: LayerCosts[] = Array.from({ length: 4 }, (_, l) => ({
        name: `w${l}`,
        costs: SEARCH_OPTIONS.map((option) => ({ option, bytes: 100 + rng.int(900), sensitivity: rng.next() * 10 })),
      }));
      const budget = 1200 + rng.int(2000);
      const chosen = chooseUnderBudget(layers, budget);
      const bytes = chosen.reduce((n, c) => n + c.bytes, 0);
      const s = chosen.reduce((n, c) => n + c.sensitivity, 0);
      assert.ok(bytes <= budget, `${bytes} bytes over ${budget}`);
      assert.ok(Math.abs(s - bruteForce(layers, bytes)) < 1e-9, `trial ${trial}: ${s} vs the optimum ${bruteForce(layers, bytes)} at ${bytes} bytes`);
    }
  });

  it('refuses a budget below the smallest options', () => {
    const layers: LayerCosts[] = [{ name: 'w', costs: SEARCH_OPTIONS.map((option, i) => ({ option, bytes: 100 + i, sensitivity: 1 })) }];
    assert.throws(() => chooseUnderBudget(layers, 99), /need at least 100 bytes, over the 99/);
  });

  it('costs: bytes as stored, sensitivity 0 without curvature and larger at fewer bits, 2:4 options pruned to the pattern', () => {
    const [rows, cols] = [8, 64];
    const w = Float32Array.from({ length: rows * cols }, () => rng.normal());
    const at = (sparse: boolean, bits: number) => SEARCH_OPTIONS.find((o) => (o.pattern !== null) === sparse && o.bits === bits)!;
    assert.equal(optionBytes(at(false, 7), rows, cols), rows * cols + 4 * rows);
    assert.equal(optionBytes(at(true, 4), rows, cols), (rows * 16 * 2 * 4) / 8 + (rows * 16 * 4) / 8 + 4 * rows);
    assert.equal(optionBytes(at(false, 3), rows, cols), (rows * cols * 4) / 8 + 4 * rows, '3-bit codes are stored in 4-bit containers');
    const fisher = Float64Array.from(w, () => rng.next());
    assert.equal(sensitivity(w, new Float64Array(w.length), rows, cols, at(false, 2)), 0);
    const s = [7, 4, 3, 2].map((b) => sensitivity(w, fisher, rows, cols, at(false, b)));
    for (let i = 1; i < s.length; i++) assert.ok(s[i] > s[i - 1], `bits ${[7, 4, 3, 2][i]}: ${s[i]} vs ${s[i - 1]}`);
    assert.ok(followsPattern(compressedWeight(w, rows, cols, at(true, 4)), rows, cols, { n: 2, m: 4 }));
  });

  it('reads sizes in bytes, KB and MB', () => {
    assert.deepEqual(['1500000', '1.5e6', '1500KB', '1.5MB', '2mb'].map(parseBytes), [1500000, 1500000, 1500000, 1500000, 2000000]);
    assert.throws(() => parseBytes('big'), /--max-bytes "big" is not a size/);
    assert.throws(() => parseBytes('0'), /is not a size/);
  });
});
