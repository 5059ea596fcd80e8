import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { validateModelConfig } from '../../src/nn/config.ts';
import { buildMlmLoss } from '../../src/nn/mlm.ts';
import { initParams, layerPrefix, mlmParamSpecs, type Parameter } from '../../src/nn/params.ts';
import { ffnCoefficients, headCoefficients, slimmingParamSpecs } from '../../src/nn/slimming_weights.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { parameterFeeds } from '../../src/train/feeds.ts';
import { drawMasks, EarlyBirdSearch, maskDistance } from '../../src/train/early_bird.ts';
import { Random } from '../../src/util/random.ts';

const model = validateModelConfig({ vocab_size: 60, max_len: 8, d_model: 32, n_layers: 2, n_heads: 4, d_ff: 48, dropout: 0 }, 'test');
const shape = { batch: 2, seq: 8, masked: 4 };
const rng = new Random(4);
const batch = {
  input_ids: ortTensor('int64', BigInt64Array.from({ length: 16 }, () => BigInt(rng.int(60))), [2, 8]),
  masked_positions: ortTensor('int64', BigInt64Array.from([2n, 5n, 9n, 12n]), [4]),
  labels: ortTensor('int64', BigInt64Array.from([3n, 8n, 20n, 41n]), [4]),
};
const base = initParams(mlmParamSpecs(model), { init_std: 0.2 }, 3);
const ones = () => initParams(slimmingParamSpecs(model), model, 0);

async function lossOf(params: readonly Parameter[], slimming?: { lambda: number }): Promise<number> {
  const mlm = buildMlmLoss(model, shape, { dropout: 0, slimming });
  mlm.graph.output(mlm.loss, 'loss');
  const s = await createSession(serializeGraph(mlm.graph), { threads: 1 });
  const out = await s.run(parameterFeeds(params, { ...batch }) as never);
  await s.release();
  return (out.loss.data as Float32Array)[0];
}

const withData = (params: readonly Parameter[], name: string, edit: (d: Float32Array) => void) =>
  params.map((p) => {
    if (p.spec.name !== name) return p;
    const data = Float32Array.from(p.data);
    edit(data);
    return { spec: p.spec, data };
  });

describe("EarlyBERT's slimming coefficients", () => {
  it('scale a head or a neuron exactly as scaling its columns of the output projection does', async () => {
    const plain = await lossOf(base);
    assert.equal(await lossOf([...base, ...ones()], { lambda: 0 }), plain, 'coefficients of 1 change nothing');
    // Head 2 of layer 1 at 0: its 8 columns of attention.output.dense.weight (32 x 32) zeroed.
    const noHead = withData(ones(), headCoefficients(1), (c) => (c[2] = 0));
    const zeroed = withData(base, `${layerPrefix(1)}.attention.output.dense.weight`, (w) => {
      for (let r = 0; r < 32; r++) for (let k = 16; k < 24; k++) w[r * 32 + k] = 0;
    });
    assert.ok(Math.abs((await lossOf([...base, ...noHead], { lambda: 0 })) - (await lossOf(zeroed))) < 1e-6);
    // Neuron 7 of layer 0 at 0.5: column 7 of output.dense.weight (32 x 48) halved.
    const half = withData(ones(), ffnCoefficients(0), (c) => (c[7] = 0.5));
    const halved = withData(base, `${layerPrefix(0)}.output.dense.weight`, (w) => {
      for (let r = 0; r < 32; r++) w[r * 48 + 7] *= 0.5;
    });
    assert.ok(Math.abs((await lossOf([...base, ...half], { lambda: 0 })) - (await lossOf(halved))) < 1e-6);
  });

  it('the L1 penalty adds lambda sum |c|, and the coefficients get the gradient of the loss', async () => {
    const coefficients = withData(ones(), headCoefficients(0), (c) => (c[1] = -0.5));
    const total = coefficients.reduce((a, p) => a + p.data.reduce((x, v) => x + Math.abs(v), 0), 0);
    const [without, withPenalty] = [await lossOf([...base, ...coefficients], { lambda: 0 }), await lossOf([...base, ...coefficients], { lambda: 1e-3 })];
    assert.ok(Math.abs(withPenalty - without - 1e-3 * total) < 1e-5, `${withPenalty - without} vs ${1e-3 * total}`);
    const mlm = buildMlmLoss(model, shape, { dropout: 0, slimming: { lambda: 1e-3 } });
    const targets = [headCoefficients(0), ffnCoefficients(1)].map((n) => mlm.params.find((t) => t.name === n)!);
    gradients(mlm.loss, targets).forEach((g, i) => mlm.graph.output(g, `grad${i}`));
    const s = await createSession(serializeGraph(mlm.graph), { threads: 1 });
    const out = await s.run(parameterFeeds([...base, ...coefficients], { ...batch }) as never);
    await s.release();
    const analytic = [(out.grad0.data as Float32Array)[1], (out.grad1.data as Float32Array)[5]];
    const h = 1e-2;
    const at = async (name: string, k: number, v: number) => lossOf([...base, ...withData(coefficients, name, (c) => (c[k] += v))], { lambda: 1e-3 });
    const numeric = [((await at(headCoefficients(0), 1, h)) - (await at(headCoefficients(0), 1, -h))) / (2 * h), ((await at(ffnCoefficients(1), 5, h)) - (await at(ffnCoefficients(1), 5, -h))) / (2 * h)];
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(analytic[i] - numeric[i]) < 0.05 * Math.abs(numeric[i]) + 2e-4, `analytic ${analytic[i]} vs numeric ${numeric[i]}`);
  });

  it('masks drop the smallest coefficients (heads per layer, neurons across layers), and the early bird waits for a still window', () => {
    const heads = [Float32Array.from([0.9, 0.1, -0.05, 0.7, 0.8, 0.6]), Float32Array.from([0.01, 0.02, 0.03])];
    const neurons = [Float32Array.from([0.5, 0.01, 0.02, 0.9]), Float32Array.from([0.03, 0.04])];
    const m = drawMasks(heads, neurons, 1 / 3, 0.5);
    assert.deepEqual(m.heads, [[0, 3, 4, 5], [1, 2]]);
    assert.deepEqual(m.neurons, [[0, 3], [1]], 'three of six go, the smallest across layers, never a layer\'s last');
    const sizes = { heads: [6, 3], neurons: [4, 2] };
    const other = { heads: [[0, 3, 4, 5], [0, 2]], neurons: [[0, 3], [1]] };
    assert.equal(maskDistance(m, other, sizes), 2 / 15);
    assert.throws(() => drawMasks(heads, neurons, 1, 0.4), /head ratio must be in \[0, 1\)/);
    const search = new EarlyBirdSearch(sizes, 0.1, 2);
    assert.equal(search.add(10, 1, m), false);
    assert.equal(search.add(20, 2, other), false, 'distance 2/15 is above the threshold');
    assert.equal(search.add(30, 3, other), false, 'one still draw is not yet a window of two');
    assert.equal(search.add(40, 4, other), true);
    assert.deepEqual([search.found!.step, search.draws.map((d) => d.distance)], [40, [null, 2 / 15, 0, 0]]);
  });
});
