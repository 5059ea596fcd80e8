import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minimizeBfgs } from '../../src/experiments/minimize.ts';
import { effectiveTokens, fitScalingLaw, huberObjective, lawLoss, REPEAT_DECAY, type ScalingLaw } from '../../src/experiments/scaling_law.ts';
import { crossoverTime, heldOutError, interval95, lossAtBudget, observationsOf, recommendationChange, type PlannedSize, type ScalingRun } from '../../src/experiments/scaling_plan.ts';

const rosenbrock = (x: readonly number[]) => ({
  value: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
  gradient: [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)],
});

const size = (model: string, params: number, tokens_per_s: number): PlannedSize => ({ model, params, tokens_per_s, throughput_from: 'runs' });

/** Runs whose evaluations lie exactly on `law`: 15 evaluations over `seconds` of training at each size's tokens/s. */
function runsOn(law: ScalingLaw, sizes: PlannedSize[], seconds: number): ScalingRun[] {
  return sizes.map((s) => ({
    id: s.model,
    model: s.model,
    params: s.params,
    rows: Array.from({ length: 15 }, (_, i) => {
      const wall_s = (seconds * (i + 1)) / 15;
      return { tokens: s.tokens_per_s * wall_s, wall_s, val_loss: lawLoss(law, s.params, s.tokens_per_s * wall_s) };
    }),
  }));
}

describe('scaling-law fit', () => {
  it('BFGS finds the minimum of the Rosenbrock function', () => {
    const m = minimizeBfgs(rosenbrock, [-1.2, 1], { maxIterations: 500, tolerance: 1e-10 });
    assert.ok(Math.abs(m.x[0] - 1) < 1e-4 && Math.abs(m.x[1] - 1) < 1e-4, JSON.stringify(m));
  });

  it("the Huber objective's gradient matches central differences", () => {
    const points = [3e5, 2e6, 1e7].flatMap((n, i) => [1e5, 1e6, 5e6].map((d, j) => ({ logN: Math.log(n), logD: Math.log(d), logL: Math.log(6 + 0.3 * i - 0.2 * j) })));
    const f = huberObjective(points);
    const theta = [1.2, 4, 0.3, 6, 0.4];
    const { gradient } = f(theta);
    for (let k = 0; k < theta.length; k++) {
      const h = 1e-6;
      const up = theta.map((v, i) => (i === k ? v + h : v));
      const down = theta.map((v, i) => (i === k ? v - h : v));
      const numeric = (f(up).value - f(down).value) / (2 * h);
      assert.ok(Math.abs(numeric - gradient[k]) < 1e-7 + 1e-4 * Math.abs(numeric), `parameter ${k}: ${gradient[k]} against ${numeric}`);
    }
  });

  it('effective data: fresh tokens count fully, repeated ones less, and the total saturates at U (1 + R*)', () => {
    const u = 1e6;
    assert.equal(effectiveTokens(5e5, u), 5e5);
    assert.equal(effectiveTokens(u, u), u);
    assert.ok(effectiveTokens(2 * u, u) < 2 * u && effectiveTokens(2 * u, u) > 1.9 * u);
    assert.ok(effectiveTokens(100 * u, u) < u * (1 + REPEAT_DECAY) && effectiveTokens(100 * u, u) > 0.99 * u * (1 + REPEAT_DECAY));
    assert.equal(effectiveTokens(5 * u), 5 * u, 'without U every token is fresh');
  });

  it('recovers a known law from curves on it, and predicts held-out evaluations almost exactly', () => {
    const truth: ScalingLaw = { E: 1.8, A: 60, alpha: 0.3, B: 400, beta: 0.35 };
    const runs = runsOn(truth, [size('S', 4e5, 8000), size('M', 3e6, 1200), size('L', 1e7, 500)], 600);
    const fit = fitScalingLaw(observationsOf(runs));
    for (const [n, d] of [[4e5, 1e6], [1e7, 1e6], [3e6, 5e7]]) {
      assert.ok(Math.abs(lawLoss(fit, n, d) / lawLoss(truth, n, d) - 1) < 0.01, `N ${n}, D ${d}: ${lawLoss(fit, n, d)} against ${lawLoss(truth, n, d)}`);
    }
    assert.ok(heldOutError(runs)!.max_abs_pct < 1, JSON.stringify(heldOutError(runs)));
    assert.throws(() => fitScalingLaw(observationsOf(runs.slice(0, 1))), /at least two model sizes/);
  });

  it('the crossover time matches its closed form when every token is fresh', () => {
    const law: ScalingLaw = { E: 1.8, A: 60, alpha: 0.3, B: 400, beta: 0.35 };
    const [small, large] = [size('S', 4e5, 8000), size('L', 1e7, 500)];
    // L_small(T) = L_large(T)  <=>  T^beta = B (v_L^-beta - v_S^-beta) / (A (N_S^-alpha - N_L^-alpha))
    const closed = ((law.B * (large.tokens_per_s ** -law.beta - small.tokens_per_s ** -law.beta)) / (law.A * (small.params ** -law.alpha - large.params ** -law.alpha))) ** (1 / law.beta);
    const t = crossoverTime(law, small, large)!;
    assert.ok(Math.abs(t / closed - 1) < 1e-6, `${t} against ${closed}`);
    assert.equal(crossoverTime({ ...law, A: 1e-9 }, small, large), null, 'no size effect: the larger never catches up');
    assert.equal(crossoverTime(law, small, { ...large, tokens_per_s: 8000 }), 1, 'as fast and larger: better from the start');
  });

  it('the next size up needs the same material lead as a crossover: curves that merge towards one floor recommend nothing', () => {
    const law: ScalingLaw = { E: 1.8, A: 60, alpha: 0.3, B: 400, beta: 0.35 };
    const [small, large] = [size('S', 4e5, 8000), size('L', 1e7, 500)];
    const change = recommendationChange(law, [small, large], 60)!;
    assert.equal(change.size, 'L');
    assert.ok(Math.abs(change.budget_s / crossoverTime(law, small, large)! - 1) < 1e-6, 'it starts where the larger overtakes');
    // The larger overtakes after about 1e4 s, but its lead tends to A (N_S^-alpha - N_L^-alpha), 0.0004 nats: under 0.1% perplexity.
    const merged: ScalingLaw = { ...law, A: 0.03, B: 0.138 };
    assert.ok(lossAtBudget(merged, large, 1e6) < lossAtBudget(merged, small, 1e6), 'the larger is ahead, by a hair');
    assert.equal(crossoverTime(merged, small, large), null);
    assert.equal(recommendationChange(merged, [small, large], 60), null);
  });

  it('95% intervals take percentiles and mark an unbounded end as null', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    assert.deepEqual(interval95(values), [2.5, 97.5]);
    assert.deepEqual(interval95([...values.slice(0, 90), ...Array(11).fill(Infinity)]), [2.5, null]);
  });
});
