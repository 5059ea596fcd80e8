import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { finetune, train, type MetricsRow, type TrainProgress } from '../../src/api/index.ts';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { mobyCorpus, readMetrics, tmpDir } from '../helpers/cli.ts';

describe('the library: train with progress callbacks and a clean stop', () => {
  it('stops on an aborted signal with a checkpoint and no summary, then resumes to the end of the budget', async () => {
    const dir = tmpDir();
    process.env.TLTC_CACHE_DIR = path.join(dir, 'cache');
    const config = { model: 'L1-H32', data: { corpus: mobyCorpus(dir, 3), vocab_size: 512, seq_len: 32 }, batch_size: 8, budget: '40steps', eval: { evaluations: 4 }, threads: 1 };
    const outDir = path.join(dir, 'run');
    const stop = new AbortController();
    const steps: TrainProgress[] = [];
    const rows: MetricsRow[] = [];
    const first = await train(config, {
      outDir,
      quiet: true,
      signal: stop.signal,
      onStep: (p) => {
        steps.push(p);
        if (p.step === 15) stop.abort();
      },
      onEvaluation: (row) => rows.push(row),
    });
    assert.equal(first.stopped, true);
    assert.equal(first.final.step, 15, 'the step it stopped at was evaluated');
    assert.deepEqual(steps.map((p) => p.step), Array.from({ length: 15 }, (_, i) => i + 1));
    assert.ok(steps.every((p) => p.fraction > 0 && p.fraction < 1 && Number.isFinite(p.loss) && p.tokens_per_s > 0));
    assert.deepEqual(rows.map((r) => r.step), [10, 15], 'one evaluation at a quarter of the budget, one at the stop');
    assert.ok(!existsSync(path.join(outDir, 'summary.json')), 'a stopped run is not marked complete');
    assert.ok(readdirSync(path.join(outDir, 'checkpoints')).includes('step-00000015'));

    await assert.rejects(() => train(config, { outDir, quiet: true }), /already holds a run: add --resume/);
    const second = await train(config, { outDir, quiet: true, resume: true });
    assert.notEqual(second.stopped, true);
    assert.equal(second.final.step, 40);
    assert.ok(existsSync(path.join(outDir, 'summary.json')));
    assert.deepEqual(readMetrics(outDir).map((r) => r.step), [10, 15, 20, 30, 40]);
    assert.throws(() => train({ ...config, budgett: '1s' }, { outDir: path.join(dir, 'bad') }), /budgett/);
  });
});

describe('the library: fine-tuning with progress callbacks and a clean stop', () => {
  it('stops after the step the signal was aborted at, and still saves, scores and reports the model', async () => {
    const dir = tmpDir();
    const mlm = path.join(dir, 'mlm');
    saveTinyCheckpoint(mlm, mobyTokenizer(), 'tltc-mlm');
    const csv = path.join(dir, 'topics.csv');
    writeFileSync(csv, ['text,label', ...Array.from({ length: 40 }, (_, i) => (i % 2 ? 'The whale swam past the ship.,sea' : 'The horse ate the wheat.,land'))].join('\n'));
    const stop = new AbortController();
    const steps: number[] = [];
    const r = await finetune({ checkpoint: mlm, task: csv, outDir: path.join(dir, 'ft'), budget: '50steps', threads: 1, quiet: true, signal: stop.signal, onStep: (p) => (steps.push(p.step), p.step === 3 && stop.abort()) });
    assert.deepEqual(steps, [1, 2, 3]);
    assert.equal(r.steps, 3);
    assert.equal(r.stopped, true);
    assert.ok(existsSync(r.checkpoint) && r.test.examples === 4);
  });
});
