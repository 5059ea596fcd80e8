import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { markdownTable } from '../../src/experiments/markdown_report.ts';
import { tmpDir } from '../helpers/cli.ts';

const scores = (accuracy: number) => ({ accuracy, macro_f1: accuracy, examples: 100, accuracy_95: [accuracy - 0.05, accuracy + 0.05], predicted_classes: 2 });
const baselines = { test: { majority: scores(0.6), bag_of_words: scores(0.95) } };

function write(dir: string, file: string, value: unknown): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), JSON.stringify(value));
}

/** Seed s: threshold 0 runs 2 layers in 10 ms per example, threshold 0.5 runs 1.2 in 7 + s ms. */
function seed(root: string, s: number): void {
  const dir = path.join(root, `exits-s${s}`);
  write(dir, 'finetune.json', { model: 'L2-H128', steps: 300, test: scores(0.9), exits: { test: [scores(0.85 + s / 100), scores(0.9)] }, baselines });
  const point = (threshold: number, accuracy: number, mean: number, first: number, ms: number) => ({ criterion: { kind: 'entropy', threshold }, ...scores(accuracy), mean_layers: mean, left_at_layer: [first, 100 - first], ms_per_example: ms });
  write(dir, 'eval-exits.json', { task: 'spam', examples: 100, early_exit: { batch: 8, layers: 2, full: { ...scores(0.9), ms_per_example: 8 }, points: [point(0, 0.9, 2, 0, 10), point(0.5, 0.88, 1.2, 80, 7 + s)] } });
  write(path.join(root, `plain-s${s}`), 'finetune.json', { model: 'L2-H128', steps: 300, test: scores(0.91), baselines });
}

describe('the early-exit table', () => {
  it('gives each threshold over seeds, relative to running every layer, with each exit alone, the control and the baselines', () => {
    const root = tmpDir();
    seed(root, 0);
    seed(root, 2);
    const table = markdownTable(root);
    const lines = table.split('\n');
    assert.match(lines[0], /\| exit rule \| test accuracy \| layers per example \| left after layer 1 \| ms per example \| time vs first row \|/);
    assert.equal(lines[2], '| entropy < 0 | 90.0% ± 0.0 | 2.00 ± 0.00 | 0% ± 0 | 10.000 ± 0.000 | 1.00 ± 0.00 |');
    // Seeds 0 and 2: 7 and 9 ms against 10: 0.7 and 0.9 of the first row, mean 0.8, sd 0.14.
    assert.equal(lines[3], '| entropy < 0.5 | 88.0% ± 0.0 | 1.20 ± 0.00 | 80% ± 0 | 8.000 ± 1.414 | 0.80 ± 0.14 |');
    assert.match(table, /Each exit alone: exit 1 86\.0% ± 1\.4, exit 2 90\.0% ± 0\.0\./);
    assert.match(table, /without exits \(the control\): 91\.0% ± 0\.0 \(2 seeds\)/);
    assert.match(table, /Majority class 60\.0%, bag of words 95\.0%/);
  });
});
