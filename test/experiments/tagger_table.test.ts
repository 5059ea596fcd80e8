import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { markdownTable } from '../../src/experiments/markdown_report.ts';
import { tmpDir } from '../helpers/cli.ts';

const words = (accuracy: number) => ({ accuracy, tokens: 500, accuracy_95: [accuracy - 0.01, accuracy + 0.01] });
const baselines = { test: { majority_tag: words(0.24), most_frequent_tag: words(0.94) } };

function write(root: string, name: string, run: object): void {
  mkdirSync(path.join(root, name), { recursive: true });
  writeFileSync(path.join(root, name, 'finetune.json'), JSON.stringify({ task: 'pos', model: 'L2-H128', steps: 1000, baselines, ...run }));
}

describe('the tagger table', () => {
  it('gives each arm over seeds with its first exit, the baselines, and the token-exit curve', () => {
    const root = tmpDir();
    for (const [s, acc] of [[0, 0.9], [1, 0.92]] as const) {
      const curve = [0, 1].map((i) => ({ threshold: i * 2.485, window: 2, accuracy: acc - i * 0.1, mean_layers: 2 - i, saved_token_layers: i / 2 }));
      write(root, `exits-s${s}`, { test: words(acc), exits: { test: [words(acc - 0.1), words(acc)] }, token_exit: curve });
      write(root, `plain-s${s}`, { test: words(0.93) });
    }
    const table = markdownTable(root);
    assert.match(table, /\| exits \| L2-H128 \| 1000 \| 2 \| 91\.0% ± 1\.4 \| 81\.0% ± 1\.4 \| 500 \|/);
    assert.match(table, /\| plain \| L2-H128 \| 1000 \| 2 \| 93\.0% ± 0\.0 \| - \| 500 \|/);
    assert.match(table, /the most frequent tag 24\.0%, each word's most frequent training tag 94\.0%/);
    assert.match(table, /\| 2\.485 \| 81\.0% ± 1\.4 \| 1\.00 ± 0\.00 \| 50\.0% ± 0\.0 \|/);
  });
});
