import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { markdownTable } from '../../src/experiments/markdown_report.ts';
import { hasMethods } from '../../src/experiments/method_table.ts';
import { tmpDir } from '../helpers/cli.ts';

/** A method folder as tltc sweep leaves it: sweep.json and each run's metrics.jsonl (rows every 100 steps). */
function writeMethod(root: string, method: string, model: string, runs: { perStepPpl: (step: number) => number; flopsPerStep: number; extra?: Record<string, number> }[], teacher?: Record<string, unknown>) {
  const dir = path.join(root, method);
  const entries = runs.map((run, seed) => {
    const runDir = path.join(dir, 'runs', `${model}-b32-s${seed}`);
    mkdirSync(runDir, { recursive: true });
    const rows = [100, 200, 300, 400].map((step) => ({ step, wall_s: step / 4, tokens: step * 4096, flops: step * run.flopsPerStep, val_ppl: run.perStepPpl(step), ...run.extra }));
    writeFileSync(path.join(runDir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    if (teacher) writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ teacher }));
    return { model, dir: `runs/${model}-b32-s${seed}` };
  });
  writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ runs: entries }));
}

describe('the pretraining-methods table', () => {
  it('compares each method with dense at the same time, steps and FLOPs, and reports Switch routing', () => {
    const root = tmpDir();
    const noise = [0, 2, -2];
    writeMethod(root, 'dense', 'L2-H128', noise.map((n) => ({ perStepPpl: (s: number) => 1000 - s + n, flopsPerStep: 10 })));
    // Half the FLOPs per step, the same perplexity per step: no different at equal steps, better at equal FLOPs.
    writeMethod(root, 'rigl', 'L2-H128', noise.map((n) => ({ perStepPpl: (s: number) => 1000 - s - n, flopsPerStep: 5, extra: { sparsity: 0.8 } })));
    writeMethod(root, 'switch', 'L2-H128-E8', noise.map((n) => ({ perStepPpl: (s: number) => 1100 - s + n, flopsPerStep: 10, extra: { expert_load_max: 1.5, expert_dropped: 0.04 } })));
    assert.ok(hasMethods(root));
    const lines = markdownTable(root).split('\n');
    const row = (method: string) => lines.find((l) => l.startsWith(`| ${method} |`))!.split(' | ');
    assert.equal(row('dense')[6], '600.0 ± 2.0');
    assert.match(row('rigl')[7], /^0\.0 \(threshold 3\.\d\): no difference$/);
    assert.match(row('rigl')[8], /no difference/);
    // At its final 400 steps' FLOPs (2,000), dense had taken 200 steps: perplexity 800 against rigl's 600.
    assert.match(row('rigl')[9], /^-200\.0 \(threshold 4\.6\): better$/);
    assert.match(row('switch')[7], /^100\.0 \(threshold 3\.\d\): worse$/);
    assert.match(row('switch')[10], /not reached \(0\/3\)/);
    assert.ok(lines.some((l) => l.startsWith('| switch | L2-H128-E8 | 1.50 | 1.50 | 1.50 | 4.0% |')), 'the routing table');
  });

  it('charges a distilled method its teacher\'s training beside the student\'s own time', () => {
    const root = tmpDir();
    writeMethod(root, 'dense', 'L2-H128', [0, 1].map((n) => ({ perStepPpl: (s: number) => 1000 - s + n, flopsPerStep: 10 })));
    writeMethod(root, 'distill', 'L2-H128', [0, 1].map((n) => ({ perStepPpl: (s: number) => 900 - s + n, flopsPerStep: 10 })), { model: 'L2-H192', train_s: 5400, checkpoint: 'teacher/checkpoints/step-00001000' });
    const text = markdownTable(root);
    assert.match(text, /distill learned from L2-H192 \(teacher\/checkpoints\/step-00001000\), trained for 5,400 s: student alone 100 s, student \+ teacher 5,500 s\./);
  });

  it('is not chosen without a dense baseline', () => {
    const root = tmpDir();
    writeMethod(root, 'rigl', 'L2-H128', [{ perStepPpl: () => 500, flopsPerStep: 1 }]);
    writeMethod(root, 'static', 'L2-H128', [{ perStepPpl: () => 500, flopsPerStep: 1 }]);
    assert.equal(hasMethods(root), false);
  });
});
