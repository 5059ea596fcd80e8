import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadCheckpoint } from '../../src/train/checkpoint.ts';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';
import { seaTask } from '../helpers/tasks.ts';

describe('tltc distill from a sentence encoder (Universal Sentence Encoder Lite)', () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const teacher = path.join(dir, 'use');
  const pre = path.join(dir, 'pre');
  saveTinyCheckpoint(pre, mobyTokenizer(300), 'tltc-mlm', undefined, 1, { d_model: 64, n_heads: 2, d_ff: 128 });
  before(() => {
    const imported = runCli(['import', '--out', teacher, '--quant', 'fp32', '--passages', '8', '--threads', '2'], env);
    assert.equal(imported.code, 0, imported.stderr);
  });

  it('teaches a pretrained student the teacher embeddings: fidelity rises above the undistilled student, exports and a probe measured', () => {
    const out = path.join(dir, 'student');
    const r = runCli(['distill', '--teacher', teacher, '--student', pre, '--budget', '60steps', '--sentences', '400', '--batch-size', '16', '--lr', '1e-3', '--probe-task', seaTask(dir), '--threads', '2', '--quiet', '--json', '--out', out], env);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(d.steps, 60);
    assert.equal(d.sentences.train, 400);
    assert.ok(d.fidelity.student.mean_cosine > d.fidelity.undistilled.mean_cosine + 0.2, `fidelity ${d.fidelity.student.mean_cosine} vs undistilled ${d.fidelity.undistilled.mean_cosine}`);
    const [fp32, int8] = d.fidelity.files;
    assert.ok(Math.abs(fp32.mean_cosine - d.fidelity.student.mean_cosine) < 1e-3, 'the fp32 file computes what the student does');
    assert.ok(int8.bytes < fp32.bytes && int8.mean_cosine > 0.8 * fp32.mean_cosine);
    assert.equal(d.teacher.output_dim, 512);
    assert.ok(d.train_s_with_teacher > d.train_s);
    assert.ok(d.probe.teacher.accuracy > 0.9, `teacher probe ${d.probe.teacher.accuracy}`);
    for (const k of ['student', 'undistilled']) assert.equal(d.probe[k].examples, d.probe.examples);
    assert.ok(existsSync(path.join(out, 'distill.json')) && !existsSync(path.join(out, 'resume')));
    const exported = runCli(['export', '--checkpoint', out, '--out', path.join(dir, 'exp')], env);
    assert.equal(exported.code, 1);
    assert.match(exported.stderr, /is a sentence-embedding student, not a classifier: its ONNX files .* are in the onnx\/ folder/);
    const predicted = runCli(['predict', '--checkpoint', out, '--text', 'a ship at sea'], env);
    assert.equal(predicted.code, 1);
    assert.match(predicted.stderr, /is a sentence-embedding student, not a classifier/);
  });

  it('a CMOW/CBOW student trained from scratch on the pretrained tokenizer learns the embeddings too, and exports', () => {
    const out = path.join(dir, 'cmow');
    const r = runCli(['distill', '--teacher', teacher, '--student', 'cmow-M4-C16', '--tokenizer', pre, '--budget', '60steps', '--sentences', '400', '--batch-size', '16', '--probe-task', seaTask(dir), '--threads', '2', '--quiet', '--json', '--out', out], env);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(d.student.model, 'cmow-M4-C16');
    assert.ok(d.fidelity.student.mean_cosine > d.fidelity.undistilled.mean_cosine + 0.2, `fidelity ${d.fidelity.student.mean_cosine} vs undistilled ${d.fidelity.undistilled.mean_cosine}`);
    const [fp32, int8] = d.fidelity.files;
    assert.ok(Math.abs(fp32.mean_cosine - d.fidelity.student.mean_cosine) < 1e-3, 'the fp32 file computes what the student does');
    assert.ok(int8.bytes < fp32.bytes);
    assert.equal(loadCheckpoint(d.student.checkpoint, false, 'any').config.model_type, 'tltc-cmow');
  });

  it('refuses a student given by name, and masked-LM settings', () => {
    const byName = runCli(['distill', '--teacher', teacher, '--student', 'L2-H128', '--out', path.join(dir, 'x')], env);
    assert.equal(byName.code, 1);
    assert.match(byName.stderr, /--student is a pretrained tltc checkpoint folder .*; L2-H128 is neither/);
    const mlm = runCli(['distill', '--teacher', teacher, '--student', pre, '--alpha', '0.3', '--out', path.join(dir, 'y')], env);
    assert.equal(mlm.code, 1);
    assert.match(mlm.stderr, /leave out --config, --method, --alpha/);
    const noTokenizer = runCli(['distill', '--teacher', teacher, '--student', 'cmow', '--out', path.join(dir, 'z')], env);
    assert.match(noTokenizer.stderr, /--student cmow trains from scratch: give --tokenizer DIR/);
    const tokenizerWithPretrained = runCli(['distill', '--teacher', teacher, '--student', pre, '--tokenizer', pre, '--out', path.join(dir, 'w')], env);
    assert.match(tokenizerWithPretrained.stderr, /--tokenizer is for a CMOW student/);
  });
});
