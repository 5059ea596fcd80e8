import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';
import { seaTask } from '../helpers/tasks.ts';

describe('early exit end to end: fine-tune, export, eval and predict', () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const pre = path.join(dir, 'pre');
  saveTinyCheckpoint(pre, mobyTokenizer(300), 'tltc-mlm', undefined, 1, { n_layers: 3, d_model: 32, n_heads: 2, d_ff: 64, dropout: 0 });
  const task = seaTask(dir);
  const [ft, exported] = [path.join(dir, 'ft'), path.join(dir, 'export')];
  const onnx = path.join(exported, 'onnx', 'model.onnx');

  it('fine-tunes with a head after every layer, scores each, and exports the blocks beside every model file', () => {
    const r = runCli(['finetune', '--checkpoint', pre, '--task', task, '--out', ft, '--budget', '150steps', '--batch-size', '16', '--lr', '3e-3', '--threads', '1', '--early-exit', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim());
    assert.equal(result.exits.test.length, 3);
    assert.deepEqual(result.exits.test[2], result.test, 'the last exit is the model');
    for (const exit of result.exits.test) assert.ok(exit.accuracy > 0.9, `every exit learns the task: ${exit.accuracy}`);
    const e = runCli(['export', '--checkpoint', ft, '--out', exported, '--format', 'transformersjs', '--quant', 'fp32,int8'], env);
    assert.equal(e.code, 0, e.stderr);
    const manifest = JSON.parse(readFileSync(path.join(exported, 'export.json'), 'utf8'));
    assert.equal(manifest.exit_files.length, 2 * 4, 'embeddings and three layers per format');
    assert.ok(existsSync(path.join(exported, 'onnx', 'model_quantized.exits', 'layer_2.onnx')));
  });

  it('eval draws the curve: a threshold of 0 runs every layer with the whole model\'s accuracy, ln(classes) stops after one', () => {
    const r = runCli(['eval', '--onnx', onnx, '--task', task, '--exit-entropy', `0,0.3,${Math.log(2)}`, '--threads', '1'], env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim());
    const [never, mid, first] = result.early_exit.points;
    assert.equal(never.mean_layers, 3);
    assert.equal(never.accuracy, result.accuracy, 'run to the end, the blocks are the model');
    assert.equal(first.mean_layers, 1);
    assert.deepEqual(first.left_at_layer, [first.examples, 0, 0]);
    assert.ok(mid.mean_layers >= 1 && mid.mean_layers <= 3);
    assert.ok(result.early_exit.block_bytes > 0 && result.early_exit.full.ms_per_example > 0);
    const p = runCli(['eval', '--onnx', onnx, '--task', task, '--exit-patience', '1,2', '--threads', '1'], env);
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(JSON.parse(p.stdout.trim()).early_exit.points.map((x: { criterion: unknown }) => x.criterion), [{ kind: 'patience', patience: 1 }, { kind: 'patience', patience: 2 }]);
  });

  it('predict reports the layer each input left at, from the export or the checkpoint alike', () => {
    const args = ['--text', 'ship deck sail crew storm night whale boat on the sea', '--exit-entropy', String(Math.log(2)), '--threads', '1'];
    const fromOnnx = runCli(['predict', '--onnx', onnx, ...args], env);
    const fromCheckpoint = runCli(['predict', '--checkpoint', ft, ...args], env);
    assert.equal(fromOnnx.code, 0, fromOnnx.stderr);
    assert.equal(fromCheckpoint.code, 0, fromCheckpoint.stderr);
    const [a, b] = [fromOnnx, fromCheckpoint].map((r) => JSON.parse(r.stdout.trim()));
    assert.equal(a.exit_layer, 1);
    assert.equal(a.label, b.label);
    assert.ok(Math.abs(a.score - b.score) < 1e-4);
  });

  it('refuses bad criteria, and criteria for a model without exits, in one line', () => {
    const plain = path.join(dir, 'plain');
    const f = runCli(['finetune', '--checkpoint', pre, '--task', task, '--out', plain, '--budget', '5steps', '--threads', '1', '--quiet'], env);
    assert.equal(f.code, 0, f.stderr);
    const cases: [string[], RegExp][] = [
      [['eval', '--onnx', onnx, '--task', task, '--exit-entropy', '0.9'], /--exit-entropy 0.9 is outside \[0, ln\(2 classes\) = 0.693\]/],
      [['eval', '--onnx', onnx, '--task', task, '--exit-entropy', '0.1,,0.2'], /--exit-entropy takes numbers >= 0, got ""/],
      [['eval', '--onnx', onnx, '--task', task, '--exit-patience', '0'], /--exit-patience takes whole numbers >= 1, got "0"/],
      [['predict', '--onnx', onnx, '--text', 'x', '--exit-entropy', '0.1,0.2'], /tltc predict takes one exit criterion/],
      [['predict', '--onnx', onnx, '--text', 'x', '--exit-entropy', '0.1', '--exit-patience', '1'], /pass --exit-entropy or --exit-patience, not both/],
      [['predict', '--checkpoint', plain, '--text', 'x', '--exit-entropy', '0.1'], /has no early exits: fine-tune with --early-exit/],
      [['finetune', '--checkpoint', pre, '--task', task, '--out', path.join(dir, 'x'), '--early-exit', '--method', 'ia3'], /--early-exit trains a head after every layer of the whole model: use it without --method ia3/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args, env);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
