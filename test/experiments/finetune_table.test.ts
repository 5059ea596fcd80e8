import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { finetuneTable } from '../../src/experiments/finetune_table.ts';
import { markdownTable } from '../../src/experiments/markdown_report.ts';
import { tmpDir } from '../helpers/cli.ts';

const scores = (accuracy: number) => ({ accuracy, macro_f1: accuracy - 0.1, examples: 600, accuracy_95: [accuracy - 0.02, accuracy + 0.02], predicted_classes: 2 });

function writeRun(root: string, name: string, accuracy: number, adapter?: Record<string, unknown>, extra: Record<string, unknown> = {}): void {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  const file = { task: 'spam', model: 'L2-H128', steps: 300, test: scores(accuracy), baselines: { test: { majority: scores(0.669), bag_of_words: scores(0.983) } }, ...(adapter ? { adapter } : {}), ...extra };
  writeFileSync(path.join(dir, 'finetune.json'), JSON.stringify(file));
}

describe('the fine-tuning table', () => {
  it('groups seeds, and gives a method\'s trained parameters and add-on bytes beside full fine-tuning', () => {
    const root = tmpDir();
    writeRun(root, 'full-s0', 0.9);
    writeRun(root, 'full-s1', 0.92);
    const adapter = { method: 'ia3', bytes: 68_000, trained_params: 16_898, total_params: 2_300_000 };
    writeRun(root, 'ia3-s0', 0.8, adapter);
    writeRun(root, 'ia3-s1', 0.84, adapter);
    const lines = finetuneTable(root).split('\n');
    assert.equal(lines[0], '| runs | task | model | steps | trained params | add-on bytes | test accuracy | macro-F1 | classes predicted | test examples | majority class | bag of words |');
    assert.equal(lines[2], '| full | spam | L2-H128 | 300 | all | - | 91.0% ± 1.4 (2 seeds) | 0.810 | 2 | 600 | 66.9% | 98.3% |');
    assert.equal(lines[3], '| ia3 | spam | L2-H128 | 300 | 16,898 of 2,300,000 | 68,000 | 82.0% ± 2.8 (2 seeds) | 0.720 | 2 | 600 | 66.9% | 98.3% |');
  });

  it('adds the EarlyBERT table where a run searched a ticket: its sizes, the early-bird step and the seconds beside the dense control', () => {
    const root = tmpDir();
    writeRun(root, 'dense-s0', 0.9, undefined, { train_s: 100 });
    writeRun(root, 'dense-s1', 0.92, undefined, { train_s: 110 });
    const eb = (found: number | null, searchS: number) => ({ kind: 'earlybird', weights: 'keep', layer_heads: [1, 1], layer_ffn: [300, 314], found_at: found === null ? null : { step: found }, search: { steps: found ?? 150, train_s: searchS } });
    writeRun(root, 'keep-s0', 0.89, undefined, { train_s: 80, earlybert: eb(60, 20) });
    writeRun(root, 'keep-s1', 0.91, undefined, { train_s: 90, earlybert: eb(null, 30) });
    const [first, second] = markdownTable(root).split('\n\n').slice(0, 2);
    assert.match(first, /^\| runs \| task \|/, 'the fine-tuning table comes first');
    const rows = second.split('\n');
    assert.equal(rows[0], '| runs | ticket | heads per layer | FFN neurons per layer | early bird at step | search s | fine-tuning s | test accuracy |');
    assert.equal(rows[2], '| dense | none (dense) | - | - | - | - | 105.0 ± 7.1 | 91.0% ± 1.4 |');
    assert.equal(rows[3], '| keep | earlybird, keep | 1/1 | 300/314 | 60, none (150) | 25.0 ± 7.1 | 85.0 ± 7.1 | 90.0% ± 1.4 |');
  });

  it('refuses a folder without fine-tuning runs', () => {
    assert.throws(() => finetuneTable(tmpDir()), /holds no fine-tuning run/);
  });
});
