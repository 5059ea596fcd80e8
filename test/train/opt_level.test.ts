import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { validateModelConfig } from '../../src/nn/config.ts';
import { buildMlmLoss } from '../../src/nn/mlm.ts';
import { initParams, mlmParamSpecs } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { parameterFeeds } from '../../src/train/feeds.ts';
import { Random } from '../../src/util/random.ts';

describe('graph optimization levels', () => {
  it('level all and level disabled agree on the MLM loss and every gradient', async () => {
    const c = validateModelConfig({ vocab_size: 300, max_len: 16, d_model: 32, n_layers: 2, n_heads: 2, d_ff: 64, dropout: 0 }, 'test');
    const shape = { batch: 3, seq: 16, masked: 6 };
    const mlm = buildMlmLoss(c, shape, { dropout: 0 });
    const grads = gradients(mlm.loss, mlm.params);
    mlm.graph.output(mlm.loss, 'loss');
    grads.forEach((gr, i) => mlm.graph.output(gr, `grad/${mlm.params[i].name}`));
    const bytes = serializeGraph(mlm.graph);
    const rng = new Random(5);
    const params = initParams(mlmParamSpecs(c), c, 3);
    const feeds = parameterFeeds(params, {
      input_ids: ortTensor('int64', BigInt64Array.from({ length: 48 }, () => BigInt(rng.int(300))), [3, 16]),
      masked_positions: ortTensor('int64', BigInt64Array.from([1, 5, 17, 20, 33, 46].map(BigInt)), [6]),
      labels: ortTensor('int64', BigInt64Array.from({ length: 6 }, () => BigInt(rng.int(300))), [6]),
    });
    const run = async (optimization: 'all' | 'disabled') => (await createSession(bytes, { threads: 1, optimization })).run(feeds as never);
    const [all, none] = [await run('all'), await run('disabled')];
    const lossAll = all.loss.data[0] as number;
    assert.ok(Math.abs(lossAll - (none.loss.data[0] as number)) < 1e-5);
    assert.ok(Math.abs(lossAll - Math.log(300)) < 0.5, `initial loss ${lossAll} should be near ln(V)`);
    for (const p of params) {
      const a = all[`grad/${p.spec.name}`].data as Float32Array;
      const b = none[`grad/${p.spec.name}`].data as Float32Array;
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        maxAbs = Math.max(maxAbs, Math.abs(b[i]));
      }
      assert.ok(maxDiff <= 1e-5 + 1e-3 * maxAbs, `${p.spec.name}: max diff ${maxDiff} (max |g| ${maxAbs})`);
    }
  });
});
