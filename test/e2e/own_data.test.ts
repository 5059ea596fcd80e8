import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';

const WORDS = { sea: ['whale', 'ship', 'harpoon', 'waves', 'sail', 'captain'], land: ['field', 'barn', 'wheat', 'horse', 'fence', 'harvest'] };

/** Sentences that name their class in their words, so a few steps of fine-tuning can learn them. */
function sentences(n: number, seed: number): { text: string; label: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const label = (i + seed) % 2 === 0 ? 'sea' : 'land';
    const w = WORDS[label as keyof typeof WORDS];
    return { text: `The ${w[i % 6]} and the ${w[(i + seed + 1) % 6]} were near the ${w[(i * 7 + seed) % 6]}.`, label };
  });
}

const csvCell = (s: string) => `"${s.replace(/"/g, '""')}"`;

describe('your own data: fine-tune on a CSV and a pair JSONL, predict, export, and transformers.js agrees', () => {
  const dir = tmpDir();
  const mlm = path.join(dir, 'mlm');
  const models = path.join(dir, 'models');

  before(() => {
    saveTinyCheckpoint(mlm, mobyTokenizer(), 'tltc-mlm');
    const rows = sentences(120, 0);
    writeFileSync(path.join(dir, 'reviews.csv'), ['sentence,topic', ...rows.map((r) => `${csvCell(r.text)},${r.label}`)].join('\n') + '\n');
    // A pair task: does the second sentence keep the first one's topic?
    const pairs = path.join(dir, 'pairs');
    mkdirSync(pairs);
    for (const [split, n, seed] of [['train', 120, 1], ['validation', 20, 2], ['test', 20, 3]] as const) {
      const a = sentences(n, seed);
      const b = sentences(n, seed + 1);
      const partner = (i: number) => b[(i * 7 + Math.floor(i / 3)) % n];
      const lines = a.map((x, i) => JSON.stringify({ text: x.text, text_pair: partner(i).text, label: x.label === partner(i).label ? 'same' : 'different' }));
      writeFileSync(path.join(pairs, `${split}.jsonl`), lines.join('\n') + '\n');
    }
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = models;
  });

  function finetune(name: string, extra: string[]): { checkpoint: string; test: { accuracy: number }; task: string } {
    const r = runCli(['finetune', '--checkpoint', mlm, '--out', path.join(dir, `ft-${name}`), '--budget', '30steps', '--lr', '1e-3', '--threads', '1', '--quiet', ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  function predict(args: string[]): { text: string; text_pair?: string; label: string; score: number }[] {
    const r = runCli(['predict', ...args, '--threads', '1', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  }

  it('a CSV with named columns: fine-tune, predict from the checkpoint and the export, and transformers.js gives the same labels', async () => {
    const ft = finetune('csv', ['--task', path.join(dir, 'reviews.csv'), '--text-column', 'sentence', '--label-column', 'topic']);
    assert.equal(ft.task, 'reviews');
    assert.ok(ft.test.accuracy >= 0 && ft.test.accuracy <= 1);
    const texts = ['The whale and the ship were near the waves.', 'The barn and the wheat were near the field.', 'A horse on a ship.'];
    const fromCheckpoint = predict(['--checkpoint', ft.checkpoint, '--text', ...texts]);
    assert.deepEqual(fromCheckpoint.map((p) => p.text), texts);
    for (const p of fromCheckpoint) assert.ok(['land', 'sea'].includes(p.label) && p.score >= 0.5 && p.score <= 1, JSON.stringify(p));
    const exported = runCli(['export', '--checkpoint', ft.checkpoint, '--out', path.join(models, 'csv'), '--quant', 'fp32']);
    assert.equal(exported.code, 0, exported.stderr);
    const fromOnnx = predict(['--onnx', path.join(models, 'csv', 'onnx', 'model.onnx'), '--text', ...texts]);
    const classify = await pipeline('text-classification', 'csv', { dtype: 'fp32' });
    const theirs = (await classify(texts)) as { label: string; score: number }[];
    texts.forEach((t, i) => {
      assert.equal(fromOnnx[i].label, fromCheckpoint[i].label, t);
      assert.equal(theirs[i].label, fromOnnx[i].label, t);
      assert.ok(Math.abs(theirs[i].score - fromOnnx[i].score) < 1e-4 && Math.abs(fromCheckpoint[i].score - fromOnnx[i].score) < 1e-4, t);
    });
  });

  it('the README path: the CSV fine-tune compressed to 4 bits, its folder predicted from and loaded by transformers.js', async () => {
    const csv = ['--task', path.join(dir, 'reviews.csv'), '--text-column', 'sentence', '--label-column', 'topic'];
    const ft = JSON.parse(readFileSync(path.join(dir, 'ft-csv', 'finetune.json'), 'utf8'));
    const out = path.join(models, 'csv-q4');
    const r = runCli(['compress', '--checkpoint', ft.checkpoint, ...csv, '--quant', 'int4', '--out', out, '--threads', '1', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const texts = ['The whale and the ship were near the waves.', 'The barn and the wheat were near the field.'];
    const ours = predict(['--onnx', path.join(out, 'onnx', 'model_q4.onnx'), '--text', ...texts]);
    const classify = await pipeline('text-classification', 'csv-q4', { dtype: 'q4' });
    const theirs = (await classify(texts)) as { label: string; score: number }[];
    texts.forEach((t, i) => assert.ok(theirs[i].label === ours[i].label && Math.abs(theirs[i].score - ours[i].score) < 1e-4, `${t}: ${JSON.stringify([theirs[i], ours[i]])}`));
  });

  it('a JSONL pair task in a train/validation/test folder: fine-tune and predict pairs from a file', () => {
    const ft = finetune('pairs', ['--task', path.join(dir, 'pairs'), '--text-pair-column', 'text_pair']);
    assert.equal(ft.task, 'pairs');
    const finetuned = JSON.parse(readFileSync(path.join(dir, 'ft-pairs', 'finetune.json'), 'utf8'));
    assert.deepEqual([finetuned.val.examples, finetuned.test.examples], [20, 20], 'the validation and test files of the folder');
    const predicted = predict(['--checkpoint', ft.checkpoint, '--input', path.join(dir, 'pairs', 'test.jsonl')]);
    assert.equal(predicted.length, 20);
    for (const p of predicted) assert.ok(typeof p.text_pair === 'string' && ['different', 'same'].includes(p.label), JSON.stringify(p));
  });

  it('a numeric target is a regression task: squared error, correlations, the same values from the checkpoint and its export', () => {
    const rows = sentences(100, 0).map((r, i) => ({ text: r.text, rating: (r.label === 'sea' ? 4 : 1) + (i % 5) / 10 }));
    const file = path.join(dir, 'ratings.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ft = finetune('ratings', ['--task', file, '--label-column', 'rating']) as unknown as { kind: string; checkpoint: string; test: { mse: number; pearson: number; spearman: number; pearson_95: number[]; examples: number }; baselines: { test: { mean: { mse: number } } } };
    assert.equal(ft.kind, 'regression');
    assert.equal(ft.test.examples, 10);
    for (const x of [ft.test.mse, ft.test.pearson, ft.test.spearman, ft.baselines.test.mean.mse]) assert.ok(Number.isFinite(x));
    assert.ok(ft.test.pearson_95[0] <= ft.test.pearson && ft.test.pearson <= ft.test.pearson_95[1]);
    const texts = ['The whale and the ship were near the waves.', 'The barn and the wheat were near the field.'];
    const fromCheckpoint = predict(['--checkpoint', ft.checkpoint, '--text', ...texts]);
    assert.deepEqual(fromCheckpoint.map((p) => p.label), ['rating', 'rating']);
    const exported = runCli(['export', '--checkpoint', ft.checkpoint, '--out', path.join(models, 'ratings'), '--quant', 'fp32']);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(models, 'ratings', 'config.json'), 'utf8')).problem_type, 'regression');
    const fromOnnx = predict(['--onnx', path.join(models, 'ratings', 'onnx', 'model.onnx'), '--text', ...texts]);
    fromOnnx.forEach((p, i) => assert.ok(Math.abs(p.score - fromCheckpoint[i].score) < 1e-4, `${p.score} vs ${fromCheckpoint[i].score}`));
    const evaluated = runCli(['eval', '--onnx', path.join(models, 'ratings', 'onnx', 'model.onnx'), '--task', file, '--label-column', 'rating', '--threads', '1']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const scores = JSON.parse(evaluated.stdout);
    assert.equal(scores.examples, 10);
    assert.ok(Math.abs(scores.pearson - ft.test.pearson) < 1e-4 && Math.abs(scores.mse - ft.test.mse) < 1e-3, `the exported file scores as the checkpoint did: ${JSON.stringify([scores, ft.test])}`);
    // Compressed: squared-error recovery training under the masks, scored by Pearson's r against the same fp32 file.
    const compress = runCli(['compress', '--checkpoint', ft.checkpoint, '--task', file, '--label-column', 'rating', '--quant', 'int4', '--prune', '0.3', '--structured', 'heads=0.5', '--budget', '3steps', '--threads', '1', '--quiet', '--out', path.join(models, 'ratings-int4')]);
    assert.equal(compress.code, 0, compress.stderr);
    const c = JSON.parse(readFileSync(path.join(models, 'ratings-int4', 'compress.json'), 'utf8'));
    assert.equal(c.metric, 'pearson');
    assert.ok(Math.abs(c.fp32_pearson - ft.test.pearson) < 1e-4 && Math.abs(c.fp32_mse - ft.test.mse) < 1e-3, JSON.stringify([c.fp32_pearson, ft.test.pearson]));
    assert.ok(c.accuracy === c.pearson && Number.isFinite(c.spearman) && Number.isFinite(c.baselines.mean.mse) && c.structured.heads_removed > 0, JSON.stringify(c));
    assert.equal(JSON.parse(readFileSync(path.join(models, 'ratings-int4', 'config.json'), 'utf8')).problem_type, 'regression');
    const wrongTask = runCli(['compress', '--checkpoint', ft.checkpoint, '--task', path.join(dir, 'reviews.csv'), '--text-column', 'sentence', '--label-column', 'topic', '--out', path.join(dir, 'no')]);
    assert.equal(wrongTask.code, 1);
    // The checkpoint predicts a number, so the task is read as a numeric one: the first class name is the error.
    assert.match(wrongTask.stderr, /^tltc: .*reviews\.csv:2: column "topic" is "sea", not a number; a regression label must be a number\n$/);
  });

  it('refuses a missing column and a missing file with one line naming them', () => {
    const csv = path.join(dir, 'reviews.csv');
    const noColumn = runCli(['finetune', '--checkpoint', mlm, '--out', path.join(dir, 'bad'), '--task', csv, '--budget', '2steps']);
    assert.equal(noColumn.code, 1);
    assert.match(noColumn.stderr, /^tltc: .*reviews\.csv: no column "text" \(columns: "sentence", "topic"\); name the text column with --text-column\n$/);
    const noFile = runCli(['finetune', '--checkpoint', mlm, '--out', path.join(dir, 'bad'), '--task', path.join(dir, 'nothing.csv'), '--budget', '2steps']);
    assert.equal(noFile.code, 1);
    assert.equal(noFile.stderr.trim().split('\n').length, 1);
    assert.match(noFile.stderr, /nothing\.csv/);
    for (const [args, message] of [
      [['--onnx', path.join(dir, 'none.onnx'), '--text', 'a'], /^tltc: --onnx .*none\.onnx does not exist/],
      [['--checkpoint', mlm, '--input', path.join(dir, 'none.jsonl')], /^tltc: --input .*none\.jsonl does not exist/],
      [['--checkpoint', mlm], /^tltc: pass --text "\.\.\." \(one or more\) or --input FILE/],
    ] as const) {
      const r = runCli(['predict', ...args]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });
});
