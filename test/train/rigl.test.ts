import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prunableWeights } from '../../src/compress/constraints.ts';
import { validateModelConfig } from '../../src/nn/config.ts';
import { initParams, mlmParamSpecs, type Parameter } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { parameterFeeds } from '../../src/train/feeds.ts';
import { dropAndGrow, dropFraction, layerDensities, randomKeepMasks, SparseTraining, type SparseConfig } from '../../src/train/rigl.ts';
import { buildEvalStep, buildTrainStep } from '../../src/train/step_graph.ts';
import { StepRunner } from '../../src/train/step_runner.ts';
import type { OptimizerConfig } from '../../src/train/optimizer.ts';
import { Random } from '../../src/util/random.ts';

const config: SparseConfig = { method: 'rigl', sparsity: 0.8, distribution: 'erk', delta_t: 10, drop_fraction: 0.3, end: 0.75 };
const ones = (mask: Float32Array) => mask.reduce((a, v) => a + v, 0);

describe('RigL and static sparse training', () => {
  it('layer densities: uniform, or ERK with the same total, denser for smaller matrices, capped at dense', () => {
    const shapes = [
      [64, 64],
      [256, 64],
      [64, 256],
      [4, 4],
    ];
    const sizes = shapes.map(([a, b]) => a * b);
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.deepEqual(layerDensities(shapes, 0.8, 'uniform'), new Array(4).fill(1 - 0.8));
    const erk = layerDensities(shapes, 0.8, 'erk');
    const kept = erk.reduce((a, d, i) => a + d * sizes[i], 0);
    assert.ok(Math.abs(kept - 0.2 * total) < 1e-6, `kept ${kept} of ${total}`);
    assert.equal(erk[3], 1, 'the 4x4 matrix would exceed density 1 and is kept dense');
    assert.ok(erk[0] > erk[1] && Math.abs(erk[1] - erk[2]) < 1e-12, `${erk}`);
    assert.throws(() => layerDensities(shapes, 1, 'erk'), /--sparsity must be in \[0, 1\)/);
  });

  it('random keep-masks keep round(density n) weights; the drop fraction decays by a cosine to 0 at the end', () => {
    const masks = randomKeepMasks([1000, 10], [0.25, 0.5], 3);
    assert.deepEqual(masks.map(ones), [250, 5]);
    assert.deepEqual(randomKeepMasks([1000, 10], [0.25, 0.5], 3), masks);
    assert.equal(dropFraction(config, 0), 0.3);
    assert.ok(Math.abs(dropFraction(config, 0.375) - 0.15) < 1e-12);
    assert.equal(dropFraction(config, 0.75), 0);
    assert.equal(dropFraction(config, 0.9), 0);
  });

  it('drop and grow: the smallest active weights leave, the inactive ones of largest gradient join at zero, the count stays', () => {
    const weight = Float32Array.from([0.5, -0.01, 0.3, 0, 0, 0, 0.02, 0]);
    const mask = Float32Array.from([1, 1, 1, 0, 0, 0, 1, 0]);
    const grad = Float32Array.from([9, 0.05, 9, 0.1, -5, 0.2, 0.05, 4]);
    const m = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]);
    const changed = dropAndGrow(mask, weight, grad, [m], 0.5); // 4 active: drop 2, grow 2
    assert.equal(changed, 2);
    assert.deepEqual(Array.from(mask), [1, 0, 1, 0, 1, 0, 0, 1]);
    assert.deepEqual(Array.from(weight, (v) => v + 0), [0.5, 0, 0.30000001192092896, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(m), [1, 0, 1, 1, 0, 1, 0, 0]);
  });

  it('gradual pruning starts dense and prunes each matrix by magnitude on the cubic schedule, reaching the sparsity at the end', () => {
    const rng = new Random(9);
    const spec = (name: string, shape: number[]) => ({ spec: { name, shape, init: 'normal', decay: true }, data: Float32Array.from({ length: shape[0] * shape[1] }, () => rng.normal()) }) as unknown as Parameter;
    const params = [spec('a.weight', [40, 50]), spec('b.weight', [20, 30])];
    const gradual = SparseTraining.start({ ...config, method: 'gradual', distribution: 'uniform', delta_t: 5 }, params, ['a.weight', 'b.weight'], 0);
    assert.equal(gradual.sparsity(), 0);
    assert.ok(!gradual.updatesAt(4, 0.1) && gradual.updatesAt(5, 0.1));
    const before = Float32Array.from(params[0].data);
    gradual.update(5, 0.375, params, [], [], new Map());
    const mid = 0.8 * (1 - 0.5 ** 3);
    assert.ok(Math.abs(gradual.sparsity() - mid) < 0.002, `sparsity ${gradual.sparsity()} at half the ramp, expected ${mid}`);
    const [a, mask] = [params[0], gradual.masks.get('a.weight')!];
    assert.ok(mask.every((k, i) => k === 1 || a.data[i] === 0), 'pruned weights are zeroed');
    const magnitudes = (keep: number) => Array.from(before, Math.abs).filter((_, i) => mask[i] === keep);
    assert.ok(Math.max(...magnitudes(0)) <= Math.min(...magnitudes(1)), 'the smallest weights went');
    gradual.update(10, 0.8, params, [], [], new Map());
    assert.ok(Math.abs(gradual.sparsity() - 0.8) < 1e-3, `${gradual.sparsity()}`);
    assert.ok(!gradual.updatesAt(15, 0.9), 'no update once the sparsity is reached after the ramp');
  });

  it('in the step graph, pruned weights stay zero and the dense gradient is the loss gradient at pruned positions', async () => {
    const model = validateModelConfig({ vocab_size: 50, max_len: 8, d_model: 32, n_layers: 1, n_heads: 2, d_ff: 64, dropout: 0 }, 'test');
    const shape = { batch: 2, seq: 8, masked: 4 };
    const opt: OptimizerConfig = { lr: 1e-2, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 0, warmup_steps: 0, schedule: 'constant', min_lr_ratio: 1 };
    const params: Parameter[] = initParams(mlmParamSpecs(model), model, 1);
    const names = prunableWeights(model);
    const sparse = SparseTraining.start(config, params, names, 5);
    const before = params.map((p) => Float32Array.from(p.data));
    const rng = new Random(2);
    const batch = {
      input_ids: ortTensor('int64', BigInt64Array.from({ length: 16 }, () => BigInt(rng.int(50))), [2, 8]),
      masked_positions: ortTensor('int64', BigInt64Array.from([1n, 3n, 9n, 14n]), [4]),
      labels: ortTensor('int64', BigInt64Array.from([5n, 7n, 11n, 13n]), [4]),
    };
    const runner = await StepRunner.create(buildTrainStep(model, shape, opt, names), params, null, { ratio: 0, seed: 0 }, { threads: 1 });
    const r = await runner.step({ ...batch, ...sparse.feeds(params) }, 1, 0, { denseGrads: true });
    await runner.release();
    for (const n of names) {
      const [p, mask] = [params.find((q) => q.spec.name === n)!, sparse.masks.get(n)!];
      assert.ok(p.data.every((v, i) => mask[i] === 1 || v === 0), `pruned weights of ${n} are zero after the update`);
      assert.ok(p.data.some((v, i) => mask[i] === 1 && v !== before[params.indexOf(p)][i]), `active weights of ${n} trained`);
    }
    // The dense gradient at the pruned position of largest |gradient|, against a central difference of the loss.
    let [name, at] = ['', -1];
    for (const n of names) {
      const [mask, g] = [sparse.masks.get(n)!, r.denseGrads!.get(n)!];
      g.forEach((x, i) => mask[i] === 0 && (at < 0 || Math.abs(x) > Math.abs(r.denseGrads!.get(name)![at])) && ([name, at] = [n, i]));
    }
    const grad = r.denseGrads!.get(name)!;
    const evaluator = await createSession(buildEvalStep(model, shape), { threads: 1 });
    const lossWith = async (value: number) => {
      const weights = params.map((q, k) => ({ spec: q.spec, data: Float32Array.from(before[k]) }));
      weights.find((q) => q.spec.name === name)!.data[at] = value;
      return ((await evaluator.run(parameterFeeds(weights, { ...batch }) as never)).loss.data as Float32Array)[0];
    };
    const h = 1e-2;
    const numeric = ((await lossWith(h)) - (await lossWith(-h))) / (2 * h);
    await evaluator.release();
    assert.ok(Math.abs(grad[at]) > 1e-4, `gradient ${grad[at]} at a pruned position`);
    assert.ok(Math.abs(numeric - grad[at]) < 0.1 * Math.abs(grad[at]) + 1e-4, `analytic ${grad[at]} vs numeric ${numeric}`);
  });
});
