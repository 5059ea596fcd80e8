import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantize } from '../../src/compress/quantize.ts';
import { quantizedExperts } from '../../src/export/quantized_experts.ts';
import { Graph, serializeGraph } from '../../src/graph/index.ts';
import { createSession } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';

describe('quantized Switch expert stacks', () => {
  for (const bits of [8, 6, 4, 3]) {
    it(`decode ${bits}-bit codes to the values quantization gives, each within half a step of the weight`, async () => {
      const [experts, inp, out] = [3, 5, 4];
      const rng = new Random(bits);
      const w = Float32Array.from({ length: experts * inp * out }, () => rng.normal());
      const g = new Graph('experts');
      g.output(quantizedExperts(g, w, [experts, inp, out], bits, 'fc1'), 'w');
      const got = (await (await createSession(serializeGraph(g), { threads: 1 })).run({})).w.data as Float32Array;
      for (let e = 0; e < experts; e++) {
        // Expert e's matrix as (out, in) rows, as quantized per output column.
        const rows = Float32Array.from({ length: out * inp }, (_, i) => w[e * inp * out + (i % inp) * out + Math.floor(i / inp)]);
        const q = quantize(rows, [out, inp], { bits, symmetric: true, granularity: { kind: 'channel' } });
        for (let k = 0; k < inp; k++) {
          for (let n = 0; n < out; n++) {
            const at = e * inp * out + k * out + n;
            const expected = q.codes[n * inp + k] * q.scales[n];
            assert.ok(Math.abs(got[at] - expected) < 1e-6, `expert ${e} (${k}, ${n}): ${got[at]} vs ${expected}`);
            assert.ok(Math.abs(got[at] - w[at]) <= q.scales[n] / 2 + 1e-6);
          }
        }
      }
    });
  }
});
