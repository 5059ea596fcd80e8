import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeSweep, fitPowerLaw, interpolate, predictLoss, timeToTarget, type RunCurve } from '../../src/experiments/analysis.ts';
import { paretoFront, recommend } from '../../src/experiments/pareto.ts';
import type { MetricsRow } from '../../src/train/trainer.ts';

const row = (wall_s: number, val_ppl: number): MetricsRow => ({ step: wall_s, wall_s, tokens: 0, flops: 0, train_loss: Math.log(val_ppl), val_loss: Math.log(val_ppl), val_ppl, lr: 0, tokens_per_s: 0, eval_s: 0 });

describe('sweep analysis', () => {
  it('fits L(t) = a + b t^-c and recovers the parameters of an exact curve', () => {
    const ts = Array.from({ length: 12 }, (_, i) => 5 * (i + 1));
    const fit = fitPowerLaw(ts, ts.map((t) => 4 + 3 * t ** -0.5))!;
    assert.ok(Math.abs(fit.a - 4) < 0.02 && Math.abs(fit.b - 3) < 0.1 && Math.abs(fit.c - 0.5) < 0.02, JSON.stringify(fit));
    assert.ok(fit.r2 > 0.999);
    assert.ok(Math.abs(predictLoss(fit, 1000) - (4 + 3 * 1000 ** -0.5)) < 0.02);
    assert.equal(fitPowerLaw([1, 2], [3, 2]), undefined, 'too few points');
  });

  it('interpolates, and finds the time a curve first reaches a target', () => {
    assert.equal(interpolate([0, 10], [100, 50], 5), 75);
    assert.equal(interpolate([0, 10], [100, 50], 11), undefined);
    const rows = [row(10, 1000), row(20, 800), row(30, 600)];
    assert.equal(timeToTarget(rows, 700), 25);
    assert.equal(timeToTarget(rows, 1200), 10);
    assert.equal(timeToTarget(rows, 500), undefined);
  });

  it('answers whether the largest size reaches the smallest final perplexity sooner, and compares sizes only where all were measured', () => {
    const run = (model: string, params: number, seed: number, curve: (t: number) => number, end: number): RunCurve => ({ id: `${model}-${seed}`, model, params, seed, batch_size: 32, rows: Array.from({ length: 10 }, (_, i) => row((end * (i + 1)) / 10, curve((end * (i + 1)) / 10) + seed)) });
    const small = (t: number) => 900 + 2000 / t;
    const large = (t: number) => 400 + 8000 / t;
    const a = analyzeSweep([run('S', 1, 0, small, 100), run('S', 1, 1, small, 100), run('L', 10, 0, large, 104), run('L', 10, 1, large, 104)]);
    assert.equal(a.larger_wins?.answer, 'yes');
    assert.ok(a.larger_wins!.largest_s! < 100);
    assert.equal(a.sizes[0].final_ppl.std > 0, true, 'seeds give a spread');
    assert.ok(a.frontier.every((p) => p.wall_s <= 100), 'the grid stops where the shortest run stops');
    assert.equal(a.frontier.at(-1)!.model, 'L');
    const b = analyzeSweep([run('S', 1, 0, large, 100), run('L', 10, 0, small, 100)]);
    assert.equal(b.larger_wins?.answer, 'no');
  });
});

describe('Pareto front and recommendation', () => {
  const p = (id: string, accuracy: number, bytes: number, latency_ms: number) => ({ id, model: id, method: '', accuracy, bytes, latency_ms });
  const points = [p('a', 0.8, 100, 10), p('b', 0.7, 50, 5), p('c', 0.6, 60, 4), p('d', 0.85, 400, 30), p('e', 0.5, 10, 20)];
  it('keeps exactly the points nothing beats on both accuracy and cost', () => {
    assert.deepEqual(paretoFront(points, (x) => x.bytes).map((x) => x.id), ['e', 'b', 'a', 'd']);
    assert.deepEqual(paretoFront(points, (x) => x.latency_ms).map((x) => x.id), ['c', 'b', 'a', 'd']);
  });
  it('recommends the most accurate model within the limits, or none', () => {
    assert.equal(recommend(points, {})?.id, 'd');
    assert.equal(recommend(points, { maxBytes: 100 })?.id, 'a');
    assert.equal(recommend(points, { maxBytes: 100, maxLatencyMs: 6 })?.id, 'b');
    assert.equal(recommend(points, { maxBytes: 5 }), undefined);
  });
});
