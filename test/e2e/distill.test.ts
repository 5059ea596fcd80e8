import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeSafetensors } from '../../src/io/safetensors.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { mobyCorpus, readMetrics, runCli, tmpDir } from '../helpers/cli.ts';

// A tiny teacher trained on real text (Moby-Dick chapters), then students distilled from it.
const dir = tmpDir();
const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
const corpus = mobyCorpus(dir);
const data = { corpus, vocab_size: 512, seq_len: 64 };
const teacherDir = path.join(dir, 'teacher');
const common = { data, batch_size: 16, optimizer: { lr: 3e-3, warmup_steps: 10 }, eval: { interval_s: 2, sequences: 32 }, seed: 1, threads: 2 };

function trainTeacher(): void {
  const cfgFile = path.join(dir, 'teacher.json');
  writeFileSync(cfgFile, JSON.stringify({ ...common, model: { n_layers: 2, d_model: 64, n_heads: 2 }, budget: '120steps' }));
  const r = runCli(['train', '--config', cfgFile, '--out', teacherDir, '--quiet'], env);
  assert.equal(r.code, 0, r.stderr);
}

describe('tltc distill end to end', () => {
  it('distills a student with soft targets, hidden states and attention, and charges the teacher\'s training', () => {
    trainTeacher();
    const out = path.join(dir, 'student');
    const r = runCli(['distill', '--teacher', teacherDir, '--student', 'L1-H32', '--budget', '80steps', '--hidden-weight', '1', '--attention-weight', '1', '--threads', '2', '--out', out, '--json', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim());
    assert.equal(summary.step, 80);
    assert.ok(summary.val_ppl < summary.unigram_val_ppl, `val ppl ${summary.val_ppl} vs unigram ${summary.unigram_val_ppl}`);
    assert.equal(summary.teacher.model, 'L2-H64');
    assert.equal(summary.teacher.step, 120);
    assert.ok(Math.abs(summary.wall_s_with_teacher - (summary.wall_s + summary.teacher.train_s)) < 1e-9);
    assert.ok(summary.flops_with_teacher > summary.flops && summary.flops > 0);
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    assert.deepEqual([run.config.distill.alpha, run.config.distill.hidden_weight, run.config.data.vocab_size], [0.5, 1, 512], 'the student took the teacher\'s data section');
    // The checkpoint keeps the projections for --resume; evaluation and export see the student alone.
    const ck = decodeSafetensors(readFileSync(path.join(summary.checkpoint, 'model.safetensors')), 'model').tensors;
    assert.deepEqual([...ck.keys()].filter((k) => k.startsWith('distill.')), ['distill.hidden.0.weight', 'distill.hidden.1.weight']);
    const ev = runCli(['eval', '--checkpoint', out, '--threads', '2'], env);
    assert.equal(ev.code, 0, ev.stderr);
    const hf = runCli(['export', '--checkpoint', out, '--format', 'hf', '--out', path.join(dir, 'student-hf')], env);
    assert.equal(hf.code, 0, hf.stderr);
    const exported = decodeSafetensors(readFileSync(path.join(dir, 'student-hf', 'model.safetensors')), 'hf').tensors;
    assert.ok(![...exported.keys()].some((k) => k.includes('distill')), 'no projection in the export');
  });

  it('a distillation stopped after step 6 and resumed ends with the same weights as one that was not', async () => {
    const cfg = parseTrainConfig({ ...common, model: 'L1-H32', budget: '14steps', distill: { teacher: teacherDir, hidden_weight: 1, attention_weight: 0.5 } }, 'test');
    const whole = await train(cfg, { outDir: path.join(dir, 'whole'), quiet: true });
    const stop = new AbortController();
    const first = await train(cfg, { outDir: path.join(dir, 'parts'), quiet: true, signal: stop.signal, onStep: (p) => p.step === 6 && stop.abort() });
    assert.equal(first.stopped, true);
    const resumed = await train(cfg, { outDir: path.join(dir, 'parts'), quiet: true, resume: true });
    const weights = (run: string) => readFileSync(path.join(run, 'checkpoints', 'step-00000014', 'model.safetensors'));
    assert.ok(weights(whole.runDir).equals(weights(resumed.runDir)), 'the resumed run drifted from the uninterrupted one');
    assert.equal(resumed.final.val_loss, whole.final.val_loss);
    assert.equal(readMetrics(resumed.runDir).at(-1)!.step, 14);
  });

  it('layerwise imitation (Go Wide, Then Narrow) climbs the layers, then trains on the masked-LM loss, and resumes bit-identically across its stages', async () => {
    // 14 steps, half of them imitating the 2-layer teacher: layer 1 for steps 1-3, layer 2 for 4-7, then masked-LM training.
    const cfg = parseTrainConfig({ ...common, model: 'L2-H32', budget: '14steps', distill: { teacher: teacherDir, method: 'layerwise', imitation: 0.5 } }, 'test');
    const whole = await train(cfg, { outDir: path.join(dir, 'gw-whole'), quiet: true });
    const stop = new AbortController();
    const first = await train(cfg, { outDir: path.join(dir, 'gw-parts'), quiet: true, signal: stop.signal, onStep: (p) => p.step === 5 && stop.abort() });
    assert.equal(first.stopped, true);
    const tensors = (ckDir: string) => [...decodeSafetensors(readFileSync(path.join(ckDir, 'model.safetensors')), 'model').tensors.keys()];
    assert.deepEqual(tensors(first.checkpoint).filter((k) => k.startsWith('distill.')), ['distill.hidden.0.weight', 'distill.hidden.1.weight', 'distill.hidden.2.weight'], 'imitating: the projections are saved');
    const resumed = await train(cfg, { outDir: path.join(dir, 'gw-parts'), quiet: true, resume: true });
    assert.ok(!tensors(resumed.checkpoint).some((k) => k.startsWith('distill.')), 'after imitation the student stands alone');
    const weights = (run: string) => readFileSync(path.join(run, 'checkpoints', 'step-00000014', 'model.safetensors'));
    assert.ok(weights(whole.runDir).equals(weights(resumed.runDir)), 'the resumed run drifted from the uninterrupted one');
    assert.ok(whole.final.val_ppl < whole.unigramValPpl * 1.2, `val ppl ${whole.final.val_ppl}`);
    const wider = runCli(['distill', '--teacher', teacherDir, '--student', 'L2-H128', '--method', 'layerwise', '--out', path.join(dir, 'gw-bad')], env);
    assert.match(wider.stderr, /^tltc: teacher .* cannot teach this student: layerwise imitation narrows a wide model, but the student \(width 128\) is wider than the teacher \(64\)/);
    const shallower = runCli(['distill', '--teacher', teacherDir, '--student', 'L1-H32', '--method', 'layerwise', '--out', path.join(dir, 'gw-bad')], env);
    assert.match(shallower.stderr, /the student has 1 layers and the teacher 2: use a student of the teacher's depth/);
    const share = runCli(['distill', '--teacher', teacherDir, '--student', 'L2-H32', '--method', 'layerwise', '--imitation', '1'], env);
    assert.match(share.stderr, /--imitation must be between 0 and 1 \(exclusive\), got "1"/);
  });

  it('refuses a teacher of another vocabulary or tokenizer, a missing teacher or student, a bad alpha and a second method with one line each', () => {
    const cfgFile = path.join(dir, 'other-vocab.json');
    writeFileSync(cfgFile, JSON.stringify({ ...common, model: 'L1-H32', data: { ...data, vocab_size: 600 }, budget: '5steps' }));
    const vocab = runCli(['distill', '--teacher', teacherDir, '--config', cfgFile, '--out', path.join(dir, 'bad')], env);
    assert.equal(vocab.code, 1);
    assert.match(vocab.stderr, /^tltc: teacher .* \(L2-H64\) cannot teach this student: the teacher's vocabulary has 512 tokens and the student's 600/);
    assert.equal(vocab.stderr.trim().split('\n').length, 1);
    writeFileSync(cfgFile, JSON.stringify({ ...common, model: 'L1-H32', data: { ...data, corpus: mobyCorpus(path.join(dir, 'other'), 6) }, budget: '5steps' }));
    const tokenizer = runCli(['distill', '--teacher', teacherDir, '--config', cfgFile, '--out', path.join(dir, 'bad'), '--quiet'], env);
    assert.equal(tokenizer.code, 1);
    assert.match(tokenizer.stderr, /^tltc: teacher .* cannot teach this student: its tokenizer differs from this run's/);
    const noStudent = runCli(['distill', '--teacher', teacherDir], env);
    assert.match(noStudent.stderr, /^tltc: distill needs --student NAME/);
    const missing = runCli(['distill', '--teacher', path.join(dir, 'nowhere'), '--student', 'L1-H32'], env);
    assert.match(missing.stderr, /^tltc: checkpoint .*nowhere does not exist/);
    const alpha = runCli(['distill', '--teacher', teacherDir, '--student', 'L1-H32', '--alpha', '1.5'], env);
    assert.match(alpha.stderr, /--alpha must be in \[0, 1\], got "1.5"/);
    const sparseFile = path.join(dir, 'sparse.json');
    writeFileSync(sparseFile, JSON.stringify({ ...common, model: 'L1-H32', sparse: { method: 'rigl', sparsity: 0.5 } }));
    const both = runCli(['distill', '--teacher', teacherDir, '--config', sparseFile], env);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /^tltc: config .*sparse.json: distillation and sparse training \(rigl\) are separate methods/);
  });
});
