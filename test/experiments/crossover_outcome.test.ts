import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseModelName } from '../../src/nn/config.ts';
import { countNonEmbeddingParams } from '../../src/nn/params.ts';
import { crossoverOutcome } from '../../src/experiments/crossover_outcome.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';

// The plan's clock: L2-H64 at 2,000 tokens/s, L2-H128 at 1,000. The runs' own wall-clock is
// ten times slower (a shared machine), which the outcome must ignore.
const RATES: Record<string, number> = { 'L2-H64': 2000, 'L2-H128': 1000 };

/**
 * Validation perplexity at plan-second t: the small size starts lower, the large one falls faster
 * and passes it for good after 30 minutes; at 10 minutes one noisy evaluation dips below too.
 */
const truth = (model: string, t: number, seed: number) => (model === 'L2-H64' ? 400 - t / 60 : t === 600 ? 380 : 430 - (2 * t) / 60) + seed;

function writeLongRuns(dir: string): void {
  for (const model of Object.keys(RATES)) {
    for (const seed of [0, 1]) {
      const runDir = path.join(dir, 'runs', `${model}-s${seed}`);
      mkdirSync(runDir, { recursive: true });
      const rows = Array.from({ length: 12 }, (_, i) => {
        const t = (60 * 60 * (i + 1)) / 12;
        const ppl = truth(model, t, seed);
        return { step: i + 1, wall_s: 10 * t, tokens: RATES[model] * t, flops: 0, train_loss: Math.log(ppl), val_loss: Math.log(ppl), val_ppl: ppl, lr: 1e-3, tokens_per_s: RATES[model] / 10, eval_s: 0 };
      });
      const run = { config: { model, batch_size: 32, data: { seq_len: 128, mask_prob: 0.15 }, threads: 2 }, model: parseModelName(model, { vocab_size: 512, max_len: 128 }), seed, corpus: { corpus: 'default', tokens: { train: 1e6, validation: 1e4 } } };
      writeFileSync(path.join(runDir, 'run.json'), JSON.stringify(run));
      writeFileSync(path.join(runDir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify(rows.at(-1)));
    }
  }
}

function writePlan(file: string): void {
  const sizes = Object.entries(RATES).map(([model, tokens_per_s]) => ({ model, params: countNonEmbeddingParams(parseModelName(model, { vocab_size: 512, max_len: 128 })), tokens_per_s, throughput_from: 'runs' }));
  const by_size = [
    { size: 'L2-H64', predicted_ppl: 341, interval: [335, 345] },
    { size: 'L2-H128', predicted_ppl: 330, interval: [320, 340] },
  ];
  writeFileSync(file, JSON.stringify({ fit: { E: 1, A: 0, alpha: 1, B: 5, beta: 0.1 }, sizes, best: { size: 'L2-H128', budget_s: 3600, by_size } }));
}

describe('tltc report --prediction: a pre-registered crossover against long runs', () => {
  const dir = tmpDir();
  writeLongRuns(dir);
  const plan = path.join(dir, 'plan.json');
  writePlan(plan);

  it('compares the sizes on the plan clock, finds the first evaluation where the larger leads, and checks each final against its interval', () => {
    const table = crossoverOutcome(dir, plan);
    // At 5 plan minutes: L2-H64 400 - 5 + 0.5 = 395.5, L2-H128 430 - 10 + 0.5 = 420.5 (seed means); at 10 the dip.
    assert.match(table, /\| 5 \| 395\.5 \(2\) \| [\d.,]+ \| 420\.5 \(2\) \| [\d.,]+ \| L2-H64 \|/);
    assert.match(table, /\| 10 \| 390\.5 \(2\) \| [\d.,]+ \| 380\.5 \(2\) \| [\d.,]+ \| L2-H128 \|/);
    assert.match(table, /\| 60 \| 340\.5 \(2\) \| [\d.,]+ \| 310\.5 \(2\) \| [\d.,]+ \| L2-H128 \|/);
    // The dip is the first lead; equal at 30 minutes, so the lasting lead starts at the next evaluation, 35.
    assert.match(table, /L2-H128 first below L2-H64 at 10\.0 plan minutes, below at every evaluation from 35\.0 on\./);
    assert.match(table, /\| L2-H64 \| 2 \| 60\.0 \| 340\.5 ± 0\.7 \| 341\.0 \(335\.0-345\.0\) \| inside \|/);
    assert.match(table, /\| L2-H128 \| 2 \| 60\.0 \| 310\.5 ± 0\.7 \| 330\.0 \(320\.0-340\.0\) \| outside \|/);
  });

  it('refuses a missing or malformed plan, a plan without the long runs\' sizes or budget, and a missing folder, in one line', () => {
    const other = path.join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ fit: { E: 1, A: 0, alpha: 1, B: 5, beta: 0.1 }, sizes: [], best: { budget_s: 3600, by_size: [] } }));
    const r = runCli(['report', '--markdown', dir, '--prediction', other]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /predicts no L2-H\d+: pass the plan the long runs were budgeted from/);
    writeFileSync(other, JSON.stringify({ fit: {}, sizes: [] }));
    assert.match(runCli(['report', '--markdown', dir, '--prediction', other]).stderr, /not a tltc plan --json output with --train-budget/);
    writeFileSync(other, '{');
    assert.match(runCli(['report', '--markdown', dir, '--prediction', other]).stderr, /^tltc: --prediction \S+ is not JSON: pass the tltc plan --json output/);
    assert.match(runCli(['report', '--markdown', dir, '--prediction', path.join(dir, 'none.json')]).stderr, /^tltc: --prediction \S+ does not exist/);
    assert.match(runCli(['report', '--markdown', path.join(dir, 'none'), '--prediction', plan]).stderr, /^tltc: \S+ does not exist: pass the folder of the long runs/);
  });
});
