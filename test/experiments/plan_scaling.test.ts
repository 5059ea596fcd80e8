import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseModelName } from '../../src/nn/config.ts';
import { countNonEmbeddingParams } from '../../src/nn/params.ts';
import { lawLoss, type ScalingLaw } from '../../src/experiments/scaling_law.ts';
import { crossoverTime, recommendationChange, type Crossover, type PlannedSize } from '../../src/experiments/scaling_plan.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';

const TRUTH: ScalingLaw = { E: 1.8, A: 60, alpha: 0.3, B: 400, beta: 0.35, unique_tokens: 6.4e6 };
const SIZES: [string, number][] = [
  ['L2-H128', 8000],
  ['L4-H256', 1200],
  ['L6-H384', 500],
];

/** Two seeds per size, 600 s each, evaluations on TRUTH times a small deterministic noise, as `tltc train` writes them. */
function writeFixtureSweep(dir: string, sizes = SIZES, vocab = 8192): PlannedSize[] {
  return sizes.map(([name, tokensPerS], s) => {
    const model = parseModelName(name, { vocab_size: vocab, max_len: 128 });
    const params = countNonEmbeddingParams(model);
    for (const seed of [0, 1]) {
      const runDir = path.join(dir, 'runs', `${name}-s${seed}`);
      mkdirSync(runDir, { recursive: true });
      const rows = Array.from({ length: 15 }, (_, i) => {
        const wall_s = (600 * (i + 1)) / 15;
        const tokens = tokensPerS * wall_s;
        const val_loss = lawLoss(TRUTH, params, tokens) * (1 + 0.002 * Math.sin(7 * i + 3 * seed + s));
        return { step: i + 1, wall_s, tokens, flops: 0, train_loss: val_loss, val_loss, val_ppl: Math.exp(val_loss), lr: 1e-3, tokens_per_s: tokensPerS, eval_s: 0 };
      });
      const run = { config: { model: name, batch_size: 32, data: { seq_len: 128, mask_prob: 0.15 }, threads: 2 }, model, seed, corpus: { corpus: 'default', tokens: { train: TRUTH.unique_tokens, validation: 1e5 } } };
      writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
      writeFileSync(path.join(runDir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify(rows.at(-1)));
    }
    return { model: name, params, tokens_per_s: tokensPerS, throughput_from: 'runs' as const };
  });
}

describe('tltc plan: the scaling-law planner', () => {
  const dir = tmpDir();
  const sizes = writeFixtureSweep(dir);

  it('recovers a known law from a fixture sweep: held-out error, best size and crossovers within tolerance', () => {
    const r = runCli(['plan', '--dir', dir, '--train-budget', '4h', '--bootstrap', '20', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    for (const key of ['E', 'A', 'alpha', 'B', 'beta']) assert.ok(Number.isFinite(p.fit[key]), `fit.${key}`);
    assert.ok(p.fit.held_out_error.mean_abs_pct < 1, JSON.stringify(p.fit.held_out_error));
    assert.deepEqual(
      p.sizes.map((s: PlannedSize) => [s.model, s.params, Math.round(s.tokens_per_s)]),
      sizes.map((s) => [s.model, s.params, s.tokens_per_s]),
    );
    // The truth: L4-H256 overtakes L2-H128 after 2.8 h and L6-H384 overtakes L4-H256 after 18 h, so at 4 h L4-H256 is best.
    assert.equal(p.best.size, 'L4-H256');
    const truePpl = Math.exp(lawLoss(TRUTH, sizes[1].params, sizes[1].tokens_per_s * 4 * 3600));
    assert.ok(Math.abs(p.best.predicted_ppl / truePpl - 1) < 0.03, `${p.best.predicted_ppl} against ${truePpl}`);
    assert.ok(p.best.interval[0] <= p.best.predicted_ppl && p.best.predicted_ppl <= p.best.interval[1]);
    const change = recommendationChange(TRUTH, sizes, 4 * 3600)!;
    assert.equal(p.next_size_up.size, 'L6-H384');
    assert.ok(Math.abs(p.next_size_up.budget_s / change.budget_s - 1) < 0.15, `${p.next_size_up.budget_s} s against ${change.budget_s} s`);
    assert.equal(p.crossovers.length, 3);
    for (const c of p.crossovers as Crossover[]) {
      const truth = crossoverTime(TRUTH, sizes.find((s) => s.model === c.smaller)!, sizes.find((s) => s.model === c.larger)!)!;
      assert.ok(Math.abs(c.time_s! / truth - 1) < 0.15, `${c.larger} over ${c.smaller}: ${c.time_s} s against ${truth} s`);
      assert.ok(c.interval[0]! <= c.time_s! && (c.interval[1] === null || c.time_s! <= c.interval[1]), JSON.stringify(c));
    }
  });

  it('prints the plan as text without --json, and refuses a step budget', () => {
    const text = runCli(['plan', '--dir', dir, '--train-budget', '2h', '--bootstrap', '5']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /best size for 2\.00 h: L2-H128/);
    assert.match(text.stdout, /L4-H256 overtakes L2-H128 from 2\.\d+ h/);
    assert.match(text.stdout, /held-out check/);
    const steps = runCli(['plan', '--dir', dir, '--train-budget', '500steps']);
    assert.equal(steps.code, 1);
    assert.match(steps.stderr, /--train-budget must be wall-clock/);
  });

  it('plans for an untrained candidate with a benchmarked throughput, and refuses a malformed one', () => {
    const small = tmpDir();
    writeFixtureSweep(small, [['L1-H32', 8000], ['L2-H64', 2000]], 512);
    const r = runCli(['plan', '--dir', small, '--train-budget', '1h', '--candidates', 'L1-H48', '--bench-seconds', '0.5', '--bootstrap', '5', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    const candidate = p.sizes.find((s: PlannedSize) => s.model === 'L1-H48');
    assert.equal(candidate.throughput_from, 'bench');
    assert.equal(candidate.params, countNonEmbeddingParams(parseModelName('L1-H48', { vocab_size: 512, max_len: 128 })));
    assert.ok(candidate.tokens_per_s > 0 && Number.isFinite(candidate.tokens_per_s));
    assert.deepEqual(p.sizes.map((s: PlannedSize) => s.model), ['L1-H32', 'L1-H48', 'L2-H64'], 'ordered by parameters');
    assert.equal(p.crossovers.length, 3);
    assert.ok(p.best.by_size.some((s: { size: string }) => s.size === 'L1-H48'));
    const bad = runCli(['plan', '--dir', small, '--candidates', 'L1-X48']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tltc: model name "L1-X48" is not of the form/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});
