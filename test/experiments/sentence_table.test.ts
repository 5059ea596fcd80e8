import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { markdownTable } from '../../src/experiments/markdown_report.ts';
import { sentenceTable } from '../../src/experiments/sentence_table.ts';
import { tmpDir } from '../helpers/cli.ts';

const scores = (accuracy: number) => ({ accuracy, accuracy_95: [accuracy - 0.02, accuracy + 0.02] });
const fidelity = (mean: number) => ({ mean_cosine: mean, min_cosine: mean - 0.3 });
const withInterval = (mean: number) => ({ ...fidelity(mean), mean_cosine_95: [mean - 0.01, mean + 0.012] });

describe('sentence distillation table', () => {
  it('reads each distill.json: bytes, latency, fidelity before and after, probes with intervals and the teacher note', () => {
    const root = tmpDir();
    mkdirSync(path.join(root, 'L2-H128'));
    const d = {
      teacher: { onnx_bytes: 27.9e6, labeling_s: 120 },
      student: { model: 'L2-H128' },
      sentences: { train: 20000, val: 1000 },
      steps: 1500,
      train_s: 400,
      fidelity: { student: withInterval(0.81), undistilled: fidelity(0.02), files: [{ format: { kind: 'fp32' }, bytes: 5.9e6, latency_ms_batch8: 12.345, ...fidelity(0.81) }, { format: { kind: 'int8' }, bytes: 1.6e6, ...fidelity(0.8) }] },
      probe: { task: 'spam', examples: 604, teacher: scores(0.97), student: scores(0.93), undistilled: scores(0.88), baselines: { majority: scores(0.67), bag_of_words: scores(0.98) } },
    };
    writeFileSync(path.join(root, 'L2-H128', 'distill.json'), JSON.stringify(d));
    const table = sentenceTable(root);
    assert.match(table, /\| L2-H128 \| L2-H128 \| 1500 \| 5\.90 \| 1\.60 \| 12\.35 \| - \| 0\.810 \(0\.800-0\.822; min 0\.51\) \| 0\.800 \(min 0\.50\) \| 0\.020 \(min -0\.28\) \| 93\.0% \(91\.0-95\.0\) \| 88\.0% \(86\.0-90\.0\) \| 400 \| 120 \|/);
    assert.match(table, /Universal Sentence Encoder Lite, 27\.90 MB fp32; its probe 97\.0%/);
    assert.equal(markdownTable(root), table);
  });
});
