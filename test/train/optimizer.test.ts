import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { Graph, ops, serializeGraph } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { adamw, globalNorm, learningRate, type OptimizerConfig } from '../../src/train/optimizer.ts';

const cfg: OptimizerConfig = { lr: 0.1, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.1, clip_norm: 0.5, warmup_steps: 4, schedule: 'linear', min_lr_ratio: 0.1 };

/** Float64 reference of one clipped AdamW step on loss = sum(c * p^2) per tensor. */
function reference(ps: number[][], ms: number[][], vs: number[][], cs: number[][], decay: boolean[], step: number, progress: number) {
  const grads = ps.map((p, k) => p.map((x, i) => 2 * cs[k][i] * x));
  const norm = Math.sqrt(grads.flat().reduce((a, g) => a + g * g, 0));
  const scale = Math.min(1, cfg.clip_norm / (norm + 1e-6));
  const lr = cfg.lr * Math.min(1, step / cfg.warmup_steps) * ((1 - progress) * (1 - cfg.min_lr_ratio) + cfg.min_lr_ratio);
  const [b1, b2] = cfg.betas;
  return ps.map((p, k) =>
    p.map((x, i) => {
      const g = grads[k][i] * scale;
      const m = b1 * ms[k][i] + (1 - b1) * g;
      const v = b2 * vs[k][i] + (1 - b2) * g * g;
      ms[k][i] = m;
      vs[k][i] = v;
      const mhat = m / (1 - b1 ** step);
      const vhat = v / (1 - b2 ** step);
      return x - lr * (mhat / (Math.sqrt(vhat) + cfg.eps) + (decay[k] ? cfg.weight_decay * x : 0));
    }),
  );
}

describe('in-graph optimizer', () => {
  it('AdamW with clipping, warmup and linear decay matches a float64 reference over 5 steps', async () => {
    const g = new Graph();
    const shapes = [[2, 3], [3]];
    const decay = [true, false];
    const cs = [[0.5, -1, 2, 1.5, -0.25, 3], [1, -2, 0.75]];
    const p = shapes.map((s, k) => g.input(`p${k}`, 'float32', s));
    const m = shapes.map((s, k) => g.input(`m${k}`, 'float32', s));
    const v = shapes.map((s, k) => g.input(`v${k}`, 'float32', s));
    const step = g.input('step', 'float32', []);
    const progress = g.input('progress', 'float32', []);
    const loss = ops.sum(p.map((t, k) => ops.reduceSum(ops.mul(ops.mul(t, t), g.constant(Float32Array.from(cs[k]), 'float32', shapes[k], `c${k}`)))));
    const grads = gradients(loss, p);
    const norm = globalNorm(grads);
    const clip = ops.min(ops.div(ops.scalarLike(norm, cfg.clip_norm), ops.add(norm, 1e-6)), 1);
    const lr = learningRate(cfg, { step, progress });
    const updates = adamw(cfg, p.map((param, k) => ({ param, grad: grads[k], m: m[k], v: v[k], decay: decay[k] })), lr, step, clip);
    updates.forEach((u, k) => {
      g.output(u.param, `p${k}_out`);
      g.output(u.m, `m${k}_out`);
      g.output(u.v, `v${k}_out`);
    });
    const session = await createSession(serializeGraph(g), { threads: 1 });

    let ps = [[1, -2, 0.5, 0.3, 2, -1], [0.2, -0.7, 1.1]];
    let gp: Float32Array[] = ps.map((x) => Float32Array.from(x));
    let gm: Float32Array[] = shapes.map((_, k) => new Float32Array(ps[k].length));
    let gv: Float32Array[] = shapes.map((_, k) => new Float32Array(ps[k].length));
    const rm = ps.map((x) => x.map(() => 0));
    const rv = ps.map((x) => x.map(() => 0));
    for (let s = 1; s <= 5; s++) {
      const progress = (s - 1) / 10;
      const feeds: Record<string, unknown> = { step: ortTensor('float32', Float32Array.of(s), []), progress: ortTensor('float32', Float32Array.of(progress), []) };
      shapes.forEach((sh, k) => {
        feeds[`p${k}`] = ortTensor('float32', gp[k], sh);
        feeds[`m${k}`] = ortTensor('float32', gm[k], sh);
        feeds[`v${k}`] = ortTensor('float32', gv[k], sh);
      });
      const out = await session.run(feeds as never);
      gp = shapes.map((_, k) => out[`p${k}_out`].data as Float32Array);
      gm = shapes.map((_, k) => out[`m${k}_out`].data as Float32Array);
      gv = shapes.map((_, k) => out[`v${k}_out`].data as Float32Array);
      ps = reference(ps, rm, rv, cs, decay, s, progress);
      ps.forEach((row, k) => row.forEach((x, i) => assert.ok(Math.abs(gp[k][i] - x) < 1e-5, `step ${s} p${k}[${i}]: ${gp[k][i]} vs ${x}`)));
    }
  });

  it('schedules warm up linearly, then decay linearly or along a cosine to min_lr_ratio', async () => {
    for (const schedule of ['linear', 'cosine', 'constant'] as const) {
      const g = new Graph();
      const step = g.input('step', 'float32', []);
      const progress = g.input('progress', 'float32', []);
      g.output(learningRate({ ...cfg, schedule }, { step, progress }), 'lr');
      const s = await createSession(serializeGraph(g), { threads: 1 });
      const lrAt = async (st: number, pr: number) =>
        (await s.run({ step: ortTensor('float32', Float32Array.of(st), []), progress: ortTensor('float32', Float32Array.of(pr), []) })).lr.data[0] as number;
      assert.ok(Math.abs((await lrAt(1, 0)) - 0.025) < 1e-7);
      assert.ok(Math.abs((await lrAt(4, 0)) - 0.1) < 1e-7);
      const end = await lrAt(100, 1);
      const mid = await lrAt(100, 0.5);
      if (schedule === 'constant') {
        assert.ok(Math.abs(end - 0.1) < 1e-7);
      } else {
        assert.ok(Math.abs(end - 0.01) < 1e-7, `${schedule} ends at ${end}`);
        assert.ok(Math.abs(mid - 0.055) < 1e-6, `${schedule} midpoint ${mid}`);
      }
    }
  });
});
