import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockIndex, codeRange, dequantize, parseQuantSpec, quantize, quantizedBytes, type Granularity, type QuantScheme } from '../../src/compress/quantize.ts';
import { Random } from '../../src/util/random.ts';

const shape = [6, 128];
const rng = new Random(4);
// Rows with very different ranges, a few outliers, and exact zeros (as pruning leaves).
const w = Float32Array.from({ length: 6 * 128 }, (_, i) => {
  const row = Math.floor(i / 128);
  if (i % 17 === 0) return 0;
  return rng.normal() * 0.02 * (row + 1) ** 2 + (i % 97 === 0 ? 0.5 : 0);
});

const GRANULARITIES: Granularity[] = [{ kind: 'tensor' }, { kind: 'channel' }, { kind: 'group', size: 32 }, { kind: 'group', size: 64 }, { kind: 'group', size: 128 }];

function maxError(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('uniform quantization', () => {
  for (let bits = 2; bits <= 8; bits++) {
    for (const symmetric of [true, false]) {
      for (const granularity of GRANULARITIES) {
        const scheme: QuantScheme = { bits, symmetric, granularity };
        const label = `${bits} bits ${symmetric ? 'sym' : 'asym'} ${granularity.kind === 'group' ? `g${granularity.size}` : granularity.kind}`;
        it(`${label}: every weight within half a step, codes in range, zeros exact`, () => {
          const q = quantize(w, shape, scheme);
          const [qmin, qmax] = codeRange(scheme);
          const back = dequantize(q);
          for (let i = 0; i < w.length; i++) {
            const scale = q.scales[blockIndex(q, i)];
            assert.ok(q.codes[i] >= qmin && q.codes[i] <= qmax, `${label}: code ${q.codes[i]} out of range`);
            assert.ok(Math.abs(w[i] - back[i]) <= scale / 2 + 1e-7 * Math.abs(w[i]) + 1e-9, `${label}: weight ${i} off by ${Math.abs(w[i] - back[i])} > ${scale / 2}`);
            if (w[i] === 0) assert.equal(back[i], 0, `${label}: a zero weight moved`);
          }
        });
      }
    }
  }

  it('finer granularity and more bits never give a larger worst-case error on these weights', () => {
    const err = (s: QuantScheme) => maxError(w, dequantize(quantize(w, shape, s)));
    for (const symmetric of [true, false]) {
      const tensor = err({ bits: 4, symmetric, granularity: { kind: 'tensor' } });
      const channel = err({ bits: 4, symmetric, granularity: { kind: 'channel' } });
      const g32 = err({ bits: 4, symmetric, granularity: { kind: 'group', size: 32 } });
      assert.ok(channel <= tensor && g32 <= channel, `${tensor} >= ${channel} >= ${g32}`);
    }
    for (let bits = 3; bits <= 8; bits++) {
      const s = (b: number): QuantScheme => ({ bits: b, symmetric: true, granularity: { kind: 'channel' } });
      assert.ok(err(s(bits)) <= err(s(bits - 1)));
    }
  });

  it('counts packed bytes: int4 in groups of 32 is 6.4x smaller than fp32', () => {
    const big = new Float32Array(1024 * 1024).map((_, i) => Math.sin(i));
    const q = quantize(big, [1024, 1024], parseQuantSpec('int4'));
    assert.equal(quantizedBytes(q), 1024 * 1024 * 0.5 + 4 * (1024 * 1024) / 32);
    assert.ok((4 * big.length) / quantizedBytes(q) >= 6.4 - 1e-9);
  });

  it('parses the CLI forms and refuses bits outside 2..8 and unknown options with one line', () => {
    assert.deepEqual(parseQuantSpec('int8'), { bits: 8, symmetric: true, granularity: { kind: 'channel' } });
    assert.deepEqual(parseQuantSpec('int4'), { bits: 4, symmetric: true, granularity: { kind: 'group', size: 32 } });
    assert.deepEqual(parseQuantSpec('3:g64:asym'), { bits: 3, symmetric: false, granularity: { kind: 'group', size: 64 } });
    assert.deepEqual(parseQuantSpec('6:per-tensor'), { bits: 6, symmetric: true, granularity: { kind: 'tensor' } });
    for (const bad of ['1', '9', '16:g32', 'int2', '4:g48', '4:perchannel', '']) {
      assert.throws(() => parseQuantSpec(bad), (e: Error) => /quantization/.test(e.message) && !e.message.includes('\n'), bad);
    }
    assert.throws(() => quantize(w, shape, { bits: 9, symmetric: true, granularity: { kind: 'tensor' } }), /from 2 to 8/);
  });

  it('a row whose length the group size does not divide ends in a shorter group, within the same bound', () => {
    const v = Float32Array.from({ length: 4 * 122 }, () => rng.normal());
    const q = quantize(v, [4, 122], { bits: 4, symmetric: false, granularity: { kind: 'group', size: 32 } });
    assert.equal(q.scales.length, 4 * 4);
    const back = dequantize(q);
    for (let i = 0; i < v.length; i++) assert.ok(Math.abs(v[i] - back[i]) <= q.scales[blockIndex(q, i)] / 2 + 1e-6);
    // The short last group of a row has its own scale, set by its own 26 weights.
    const last = v.subarray(96, 122);
    assert.ok(Math.abs(q.scales[3] - (Math.max(0, ...last) - Math.min(0, ...last)) / 15) < 1e-6);
  });
});
