import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMask, cubicSparsity, magnitudeMasks, sparsityOf } from '../../src/compress/prune.ts';
import { Random } from '../../src/util/random.ts';

const rng = new Random(9);
const make = (name: string, n: number, scale: number) => ({ name, data: Float32Array.from({ length: n }, () => rng.normal() * scale) });

describe('magnitude pruning', () => {
  it('per layer: exactly floor(s n) of each tensor pruned, the smallest ones', () => {
    for (const s of [0, 0.3, 0.6, 0.9, 0.99]) {
      const targets = [make('a', 1000, 1), make('b', 333, 0.01)];
      const masks = magnitudeMasks(targets, s, 'layer');
      for (const t of targets) {
        const data = t.data.slice();
        applyMask(data, masks.get(t.name)!);
        assert.equal(Math.round(sparsityOf(data) * data.length), Math.floor(s * data.length));
        const kept = t.data.filter((_, i) => masks.get(t.name)![i]).map(Math.abs);
        const pruned = t.data.filter((_, i) => !masks.get(t.name)![i]).map(Math.abs);
        if (kept.length && pruned.length) assert.ok(Math.max(...pruned) <= Math.min(...kept));
      }
    }
  });

  it('global: one threshold across tensors, so small-scale tensors lose more', () => {
    const targets = [make('big', 1000, 1), make('small', 1000, 0.01)];
    const masks = magnitudeMasks(targets, 0.5, 'global');
    const pruned = (n: string) => masks.get(n)!.reduce((z, m) => z + (m ? 0 : 1), 0);
    assert.equal(pruned('big') + pruned('small'), 1000);
    assert.ok(pruned('small') > 950 && pruned('big') < 50, `small tensor lost ${pruned('small')}`);
  });

  it('the cubic schedule starts at s_i, ends at s_f, and prunes most early', () => {
    const s = { initial: 0, final: 0.6, start: 100, end: 1100 };
    assert.equal(cubicSparsity(0, s), 0);
    assert.equal(cubicSparsity(100, s), 0);
    assert.equal(cubicSparsity(5000, s), 0.6);
    assert.ok(Math.abs(cubicSparsity(600, s) - (0.6 - 0.6 * 0.125)) < 1e-12);
    assert.ok(cubicSparsity(350, s) - cubicSparsity(100, s) > cubicSparsity(1100, s) - cubicSparsity(850, s));
  });

  it('refuses sparsity outside [0, 1)', () => {
    for (const bad of [-0.1, 1, 1.5, Number.NaN]) assert.throws(() => magnitudeMasks([make('a', 10, 1)], bad, 'layer'), /sparsity must be in \[0, 1\)/);
  });
});
