import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeBatchSizes, analyzeSweep, fitPowerLaw, interpolate, predictLoss, timeToTarget, type RunCurve } from '../../src/experiments/analysis.ts';
import { parseGrid } from '../../src/experiments/downstream.ts';
import { compareAllAtEqualBytes, compareAtEqualBytes, describeEqualBytes, paretoFront, recommend } from '../../src/experiments/pareto.ts';
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

  it('keeps batch sizes of one model apart, and finds where a larger batch stops reaching the target sooner', () => {
    // Time to ppl 1000: b8 at 40 s, b32 at 20 s, b128 at 30 s (better per step, slower per second).
    const run = (batch: number, reachAt: number): RunCurve => ({ id: `M-b${batch}`, model: 'M', params: 1, seed: 0, batch_size: batch, rows: Array.from({ length: 10 }, (_, i) => row(10 * (i + 1), 1000 * (reachAt / (10 * (i + 1))) ** 0.5)) });
    const curves = [run(8, 40), run(32, 20), run(128, 30), { ...run(32, 20), id: 'N', model: 'N' }];
    const a = analyzeSweep(curves, 1000);
    assert.deepEqual(a.sizes.map((s) => s.model).sort(), ['M b128', 'M b32', 'M b8', 'N']);
    const [study, ...rest] = analyzeBatchSizes(curves, 1000);
    assert.equal(rest.length, 0, 'a model at one batch size is no study');
    assert.deepEqual(study.rows.map((r) => r.batch_size), [8, 32, 128]);
    assert.deepEqual(study.rows.map((r) => Math.round(r.time_to_target_s!.mean)), [40, 20, 30]);
    assert.equal(study.fastest_batch, 32);
    assert.equal(study.stops_helping_after, 32);
    const never = analyzeBatchSizes([run(8, 200), run(16, 300)], 1000)[0];
    assert.equal(never.fastest_batch, undefined);
    assert.equal(never.stops_helping_after, undefined);
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

describe('equal-bytes comparison and the compression grid', () => {
  const p = (model: string, format: string, accuracy: number, bytes: number) => ({ id: `${model}-${format}`, model, method: '', accuracy, bytes, latency_ms: 1 });
  it('pairs each point of the large model with the best small point that fits in its bytes', () => {
    const small = [p('S', 'fp32', 0.7, 40), p('S', 'q4', 0.66, 6)];
    const lose = compareAtEqualBytes([...small, p('L', 'fp32', 0.8, 400), p('L', 'q4', 0.65, 30), p('L', 'q2', 0.5, 4)], 'L', 'S');
    assert.equal(lose.answer, 'no');
    // L-fp32 (400) is larger than any small file, so it is no equal-bytes comparison, though it is more accurate.
    assert.deepEqual(lose.pairs.map((x) => [x.large.id, x.small?.id, x.large_wins]), [['L-q2', undefined, false], ['L-q4', 'S-q4', false]]);
    const win = compareAtEqualBytes([...small, p('L', 'q4', 0.75, 30)], 'L', 'S');
    assert.equal(win.answer, 'yes');
    assert.match(describeEqualBytes([win]), /yes: L-q4 75\.0% at 0\.00 MB against S-q4 66\.0%/);
    // Every larger size against every smaller one; pairs with nothing comparable are left out of the summary.
    const all = compareAllAtEqualBytes([...small, p('M', 'fp32', 0.6, 40), p('M', 'q4', 0.55, 10), p('L', 'q4', 0.75, 30), p('X', 'fp32', 0.9, 5000)], ['S', 'M', 'L', 'X']);
    assert.deepEqual(all.map((c) => `${c.large_model}>${c.small_model}:${c.answer}`), ['M>S:no', 'L>S:yes', 'L>M:yes', 'X>S:no', 'X>M:no', 'X>L:no']);
    assert.equal(describeEqualBytes(all).split('\n').length, 3);
    assert.match(describeEqualBytes(all.slice(3)), /none can be compared/);
  });

  it('calls a difference inside the 95% intervals no difference', () => {
    const q = (model: string, accuracy: number, bytes: number, half: number) => ({ ...p(model, `b${bytes}`, accuracy, bytes), accuracy_95: [accuracy - half, accuracy + half] as [number, number] });
    const small = [q('S', 0.93, 1, 0.02), q('S', 0.9, 10, 0.02)];
    const tie = compareAtEqualBytes([...small, q('L', 0.945, 3, 0.02)], 'L', 'S');
    assert.equal(tie.answer, 'no measurable difference');
    assert.equal(tie.pairs[0].verdict, 'no measurable difference');
    assert.match(describeEqualBytes([tie]), /no measurable difference: L-b3 94\.5% \(92\.5-96\.5\) at 0\.00 MB against S-b1 93\.0% \(91\.0-95\.0\)/);
    assert.equal(compareAtEqualBytes([...small, q('L', 0.98, 3, 0.01)], 'L', 'S').answer, 'yes');
    assert.equal(compareAtEqualBytes([...small, q('L', 0.85, 3, 0.02)], 'L', 'S').answer, 'no');
  });

  it('reads grids of formats and pruning levels, and refuses bad entries with a hint', () => {
    assert.deepEqual(parseGrid('fp32, int8,6,4,3,4+p50,4:g64+p90'), [
      { name: 'fp32', quant: 'fp32' },
      { name: 'int8', quant: 'int8' },
      { name: 'q6', quant: '6' },
      { name: 'q4', quant: '4' },
      { name: 'q3', quant: '3' },
      { name: 'q4-p50', quant: '4', prune: 0.5 },
      { name: 'q4-g64-p90', quant: '4:g64', prune: 0.9 },
    ]);
    assert.deepEqual(parseGrid('int4'), [{ name: 'q4', quant: 'int4' }]);
    assert.throws(() => parseGrid(''), /empty/);
    assert.throws(() => parseGrid('4+p100'), /between 0 and 100/);
    assert.throws(() => parseGrid('4+x5'), /not understood/);
    assert.throws(() => parseGrid('9'), /bits must be from 2 to 8/);
    assert.throws(() => parseGrid('4,int4'), /q4 twice/);
    assert.deepEqual(parseGrid('nm2:4,nm4:8:q4,nm2:4:int8,bcq3,bcq2:g64'), [
      { name: 'nm2of4', quant: 'nm2:4' },
      { name: 'nm4of8-q4', quant: 'nm4:8:q4' },
      { name: 'nm2of4-int8', quant: 'nm2:4:int8' },
      { name: 'bcq3', quant: 'bcq3' },
      { name: 'bcq2-g64', quant: 'bcq2:g64' },
    ]);
    assert.throws(() => parseGrid('nm2:4+p50'), /prunes to its own pattern/);
    assert.throws(() => parseGrid('nm4:2'), /N must be less than M/);
    assert.throws(() => parseGrid('nm2:4:q8'), /2 to 7 bits/);
    assert.throws(() => parseGrid('bcq5'), /q \(binary planes\) must be 1 to 4/);
  });
});
