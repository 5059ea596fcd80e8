/**
 * Whole-graph gradient check along random directions: for each parameter tensor, <grad, u>
 * from the graph's gradient outputs `g<i>` against a central difference of its `loss` output.
 */
import assert from 'node:assert/strict';
import type { InferenceSession } from 'onnxruntime-node';
import type { Parameter } from '../../src/nn/params.ts';
import { ortTensor } from '../../src/runtime/session.ts';
import type { Random } from '../../src/util/random.ts';

/** float32 central differences at step h: a tolerance of atol + rtol * |numeric|. */
export async function checkDirectionalGradients(
  session: InferenceSession,
  params: readonly Parameter[],
  fixed: Record<string, unknown>,
  rng: Random,
  { h = 1e-2, atol = 1e-2, rtol = 2e-2 } = {},
): Promise<void> {
  const directions = params.map((p) => Float32Array.from({ length: p.data.length }, () => rng.normal()));
  const feeds = (which: number, shift: number) => {
    const f: Record<string, unknown> = { ...fixed };
    params.forEach((p, i) => {
      const d = p.data.slice();
      if (i === which) for (let k = 0; k < d.length; k++) d[k] += shift * directions[i][k];
      f[p.spec.name] = ortTensor('float32', d, p.spec.shape);
    });
    return f as never;
  };
  const base = await session.run(feeds(-1, 0));
  for (let i = 0; i < params.length; i++) {
    const g = base[`g${i}`].data as Float32Array;
    let analytic = 0;
    for (let k = 0; k < g.length; k++) analytic += g[k] * directions[i][k];
    const plus = (await session.run(feeds(i, h))).loss.data[0] as number;
    const minus = (await session.run(feeds(i, -h))).loss.data[0] as number;
    const numeric = (plus - minus) / (2 * h);
    assert.ok(Math.abs(analytic - numeric) <= atol + rtol * Math.abs(numeric), `${params[i].spec.name}: analytic ${analytic} vs numeric ${numeric}`);
  }
}
