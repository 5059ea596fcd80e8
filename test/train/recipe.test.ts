import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, serializeGraph } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { optimizerConfig, parseTrainConfig, peakLearningRate, resolveModel, resolveWarmup } from '../../src/train/config.ts';
import { learningRate, type OptimizerConfig } from '../../src/train/optimizer.ts';

/** The in-graph learning rate at each (step, progress). */
async function rates(opt: OptimizerConfig, points: [number, number][]): Promise<number[]> {
  const g = new Graph('lr');
  const step = g.input('step', 'float32', []);
  const progress = g.input('progress', 'float32', []);
  g.output(learningRate(opt, { step, progress }), 'lr');
  const s = await createSession(serializeGraph(g), { threads: 1 });
  const out: number[] = [];
  for (const [st, p] of points) out.push(((await s.run({ step: ortTensor('float32', Float32Array.of(st), []), progress: ortTensor('float32', Float32Array.of(p), []) })).lr.data as Float32Array)[0]);
  await s.release();
  return out;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

describe('the pretraining recipe', () => {
  it('a warm-up given as a share of the budget peaks at exactly that share and decays from there to the floor', async () => {
    const opt = optimizerConfig(parseTrainConfig({ model: 'L2-H128', optimizer: { lr: 1e-3, warmup: '10%', min_lr_ratio: 0.1 } }, 'test'));
    assert.equal(opt.warmup_fraction, 0.1);
    // Steps do not matter to a share-of-budget warm-up: progress alone sets the rate.
    const [quarter, peak, mid, end] = await rates(opt, [[1, 0.025], [500, 0.1], [3, 0.55], [9, 1]]);
    assert.ok(close(quarter, 0.25e-3), `${quarter}`);
    assert.ok(close(peak, 1e-3), `at 10% of the budget the rate is the peak: ${peak}`);
    assert.ok(close(mid, 0.55e-3), `half-way through the decay: ${mid}`);
    assert.ok(close(end, 1e-4), `the floor at the end: ${end}`);
  });

  it('a warm-up in steps keeps the schedule older runs were trained with', async () => {
    const opt = optimizerConfig(parseTrainConfig({ model: 'L2-H128', optimizer: { lr: 1e-3, warmup_steps: 100, min_lr_ratio: 0.1 } }, 'test'));
    assert.equal(opt.warmup_fraction, undefined);
    const [warm, late] = await rates(opt, [[50, 0.5], [200, 0.5]]);
    assert.ok(close(warm, 0.5 * 1e-3 * 0.55), `${warm}`);
    assert.ok(close(late, 1e-3 * 0.55), `${late}`);
  });

  it('defaults: 5% warm-up, dropout 0, the unigram output bias, a learning rate by width unless the config gives one', () => {
    const cfg = parseTrainConfig({ model: 'L4-H256' }, 'test');
    assert.deepEqual(resolveWarmup(cfg.optimizer), { fraction: 0.05 });
    assert.equal(resolveModel(cfg).dropout, 0);
    assert.equal(cfg.init.output_bias, 'unigram');
    assert.deepEqual(peakLearningRate(cfg), { lr: 5e-4, source: 'width rule' });
    assert.ok(close(peakLearningRate(parseTrainConfig({ model: 'L6-H384' }, 'test')).lr, 1e-3 / 3));
    assert.deepEqual(peakLearningRate(parseTrainConfig({ model: 'L6-H384', optimizer: { lr: 2e-3 } }, 'test')), { lr: 2e-3, source: 'config' });
    assert.deepEqual(resolveWarmup(parseTrainConfig({ model: 'L2-H128', optimizer: { warmup: 40 } }, 'test').optimizer), { steps: 40 });
  });

  it('a warm-up that is no share of the budget is refused in one line', () => {
    assert.throws(() => parseTrainConfig({ model: 'L2-H128', optimizer: { warmup: '100%' } }, 'cfg'), /^Error: cfg: optimizer.warmup 100% must be under 100% of the budget$/);
    assert.throws(() => parseTrainConfig({ model: 'L2-H128', optimizer: { warmup: 'soon' } }, 'cfg'), /optimizer\.warmup/);
  });
});
