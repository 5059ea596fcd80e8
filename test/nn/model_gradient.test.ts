import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { validateModelConfig } from '../../src/nn/config.ts';
import { buildMlmLoss } from '../../src/nn/mlm.ts';
import { initParams, mlmParamSpecs } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';
import { checkDirectionalGradients } from '../helpers/directional.ts';

describe('whole-model gradient', () => {
  // Every parameter tensor of a 2-layer MLM, along a random direction: <grad, u> against a central
  // difference. float32 (Gelu's Erf has no float64 kernel), so step 1e-2 and a 2% + 1e-2 tolerance;
  // the parameters are perturbed to a scale where every path carries a visible gradient.
  const variants = [
    { norm: 'pre', embedding_norm: true },
    { norm: 'post', embedding_norm: true },
    { norm: 'pre', embedding_norm: false },
  ] as const;
  for (const variant of variants) it(`matches directional finite differences for every parameter tensor (${variant.norm}-LN, embedding norm ${variant.embedding_norm})`, async () => {
    const c = validateModelConfig({ vocab_size: 50, max_len: 8, d_model: 16, n_layers: 2, n_heads: 2, d_ff: 32, dropout: 0, init_std: 0.3, ...variant }, 'test');
    const mlm = buildMlmLoss(c, { batch: 2, seq: 8, masked: 4 }, { dropout: 0 });
    const grads = gradients(mlm.loss, mlm.params);
    mlm.graph.output(mlm.loss, 'loss');
    grads.forEach((g, i) => mlm.graph.output(g, `g${i}`));
    const session = await createSession(serializeGraph(mlm.graph), { threads: 1, optimization: 'disabled' });
    const rng = new Random(1);
    const params = initParams(mlmParamSpecs(c), c, 2);
    for (const p of params) {
      if (p.spec.init === 'normal') continue;
      // The embedding norm's small starting scale (init_std * sqrt(2)) would put its inputs' LayerNorm
      // where float32 central differences lose accuracy; unit scale keeps every tensor in range.
      if (typeof p.spec.init === 'object') p.data.fill(1);
      for (let i = 0; i < p.data.length; i++) p.data[i] += 0.3 * rng.normal();
    }
    const batch = {
      input_ids: ortTensor('int64', BigInt64Array.from({ length: 16 }, () => BigInt(rng.int(50))), [2, 8]),
      masked_positions: ortTensor('int64', BigInt64Array.from([1n, 3n, 9n, 14n]), [4]),
      labels: ortTensor('int64', BigInt64Array.from({ length: 4 }, () => BigInt(rng.int(50))), [4]),
    };
    await checkDirectionalGradients(session, params, batch, rng);
  });
});
