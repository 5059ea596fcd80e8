import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bcqBytes, bcqDecode, bcqEncode, fitGroup } from '../../src/compress/bcq.ts';
import { CompressionConstraints } from '../../src/compress/constraints.ts';
import { followsPattern, keptPerGroup, nmCompact, nmDense, nmMask, parseNmPattern } from '../../src/compress/nm.ts';
import { fakeQuantize } from '../../src/compress/quantize.ts';
import type { Parameter } from '../../src/nn/params.ts';
import { Random } from '../../src/util/random.ts';

const rng = new Random(11);
const normal = (n: number, std = 1) => Float32Array.from({ length: n }, () => std * rng.normal());
const sse = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0);

describe('N:M sparsity', () => {
  it('keeps the N largest magnitudes of every group of M inputs, a short last group included', () => {
    const w = Float32Array.from([0.1, -0.9, 0.3, 0.2, /* */ 5, 4, -3, 2, /* short: */ -0.5, 0.4, 0.6, /* row 2 */ 1, 1, 1, 1, 0, 0, 0, 0, 0.01, 0, 0]);
    const mask = nmMask(w, 2, 11, 2, 4);
    assert.deepEqual(Array.from(mask), [0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, /* ties go to earlier positions */ 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
    const pruned = w.map((v, i) => v * mask[i]);
    assert.ok(followsPattern(pruned, 2, 11, { n: 2, m: 4 }));
    assert.ok(!followsPattern(w, 2, 11, { n: 2, m: 4 }));
  });

  it('the compact form decodes to the pruned weight and stores N values per group', () => {
    for (const [rows, cols, n, m] of [
      [3, 16, 2, 4],
      [4, 19, 4, 8],
      [2, 7, 1, 4],
    ]) {
      const w = normal(rows * cols);
      const c = nmCompact(w, rows, cols, { n, m });
      const groups = Math.ceil(cols / m);
      assert.equal(c.values.length, rows * groups * n);
      for (let b = 0; b < rows * groups; b++) assert.equal(c.positions.subarray(b * m, (b + 1) * m).reduce((s, v) => s + v, 0), n, 'exactly N positions per group');
      const mask = nmMask(w, rows, cols, n, m);
      assert.deepEqual(Array.from(nmDense(c)), Array.from(w, (v, i) => (mask[i] ? v : 0)));
    }
  });

  it('a gradual schedule lowers the kept count per group from M to N, never below', () => {
    const pattern = { n: 2, m: 8 };
    assert.deepEqual([0, 0.12, 0.125, 0.4, 0.75, 0.9].map((s) => keptPerGroup(s, pattern)), [8, 8, 7, 5, 2, 2]);
  });

  it('recovery constraints prune to the pattern at the end of the ramp', () => {
    const shape = [8, 16];
    const params: Parameter[] = [{ spec: { name: 'roberta.encoder.layer.0.intermediate.dense.weight', shape, init: 'normal' } as Parameter['spec'], data: normal(128) }];
    const c = new CompressionConstraints([params[0].spec.name], { sparsity: 0.5, schedule: 'gradual', scope: 'global', rampEnd: 0.75, pattern: { n: 2, m: 4 } }, null);
    c.beforeStep(0, 0.1, params);
    assert.ok(!followsPattern(params[0].data, 8, 16, { n: 2, m: 4 }), 'early in the ramp groups keep more than N');
    c.beforeStep(1, 0.8, params);
    assert.ok(followsPattern(params[0].data, 8, 16, { n: 2, m: 4 }));
    assert.equal(params[0].data.filter((v) => v === 0).length, 64);
  });

  it('rejects patterns that are not N:M with N < M', () => {
    assert.deepEqual(parseNmPattern('4:8'), { n: 4, m: 8 });
    assert.throws(() => parseNmPattern('4:2'), /N must be less than M/);
    assert.throws(() => parseNmPattern('2:32'), /M must be a whole number from 2 to 16/);
    assert.throws(() => parseNmPattern('2-4'), /write it as N:M/);
  });
});

describe('binary-coding quantization', () => {
  it('one plane is sign times mean magnitude, the least-squares optimum', () => {
    const w = Float64Array.from([0.5, -1.5, 2, -0.25]);
    const { codes, alphas } = fitGroup(w, 1);
    assert.deepEqual(Array.from(codes[0]), [1, -1, 1, -1]);
    assert.ok(Math.abs(alphas[0] - 1.0625) < 1e-12);
  });

  it('more planes fit better, and alternating least squares improves on the greedy start', () => {
    const w = Float64Array.from(normal(128));
    const error = (q: number, rounds: number) => {
      const { codes, alphas } = fitGroup(w, q, rounds);
      return sse(w, Array.from(w, (_, k) => codes.reduce((s, c, i) => s + alphas[i] * c[k], 0)));
    };
    const errors = [1, 2, 3, 4].map((q) => error(q, 8));
    for (let q = 1; q < 4; q++) assert.ok(errors[q] < errors[q - 1], `q=${q + 1}: ${errors[q]} vs ${errors[q - 1]}`);
    for (const q of [2, 3]) assert.ok(error(q, 8) < error(q, 0) - 1e-9, `q=${q}: ALS ${error(q, 8)}, greedy ${error(q, 0)}`);
  });

  it('3 planes beat uniform 3-bit codes on Gaussian weights (non-uniform levels where the weights are)', () => {
    const [rows, cols] = [16, 128];
    const w = normal(rows * cols, 0.05);
    const coded = bcqEncode(w, rows, cols, { q: 3, block: 128 });
    const uniform = fakeQuantize(w, [rows, cols], { bits: 3, symmetric: false, granularity: { kind: 'group', size: 128 } });
    assert.ok(sse(w, bcqDecode(coded)) < sse(w, uniform), `bcq ${sse(w, bcqDecode(coded))} vs uniform ${sse(w, uniform)}`);
    assert.equal(bcqBytes(coded), (3 * rows * cols) / 8 + 4 * 3 * rows);
  });

  it('short groups and q out of range', () => {
    const w = normal(3 * 70);
    const coded = bcqEncode(w, 3, 70, { q: 2, block: 32 });
    assert.equal(coded.groups, 3);
    assert.equal(bcqDecode(coded).length, 210);
    assert.ok(sse(w, bcqDecode(coded)) < sse(w, new Float32Array(210)) / 4);
    assert.throws(() => bcqEncode(w, 3, 70, { q: 5, block: 32 }), /q \(binary planes\) must be 1 to 4/);
  });
});
