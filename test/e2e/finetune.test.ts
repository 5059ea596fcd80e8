import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadTask } from '../../src/data/tasks.ts';
import { loadCheckpoint } from '../../src/train/checkpoint.ts';
import { mobyCorpus, runCli, tmpDir } from '../helpers/cli.ts';

describe('tltc finetune and compress end to end', () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const cfg = path.join(dir, 'pre.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      model: { n_layers: 2, d_model: 64, n_heads: 2 },
      data: { corpus: mobyCorpus(dir), vocab_size: 512, seq_len: 64 },
      batch_size: 16,
      optimizer: { lr: 3e-3, warmup_steps: 20 },
      budget: '400steps',
      eval: { sequences: 32 },
      threads: 2,
    }),
  );
  const pre = path.join(dir, 'pre');
  const out = path.join(dir, 'ft');

  it('fine-tunes a pretrained checkpoint on genre beyond the majority class, and reports val and test', () => {
    assert.equal(runCli(['train', '--config', cfg, '--out', pre, '--quiet'], env).code, 0);
    const r = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', out, '--budget', '800steps', '--lr', '3e-3', '--batch-size', '32', '--threads', '2', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim());
    const test = loadTask('genre').test;
    const counts = new Map<number, number>();
    for (const e of test) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    const majority = Math.max(...counts.values()) / test.length;
    assert.equal(result.test.examples, test.length);
    assert.ok(result.test.accuracy > majority + 0.02, `test accuracy ${result.test.accuracy} vs majority class ${majority}`);
    // Predicting only the majority class gives a macro-F1 of about 0.02.
    assert.ok(result.test.macro_f1 > 0.045 && result.val.macro_f1 > 0.045, `macro-F1 ${result.val.macro_f1} / ${result.test.macro_f1}`);
    assert.ok(existsSync(path.join(out, 'finetune.json')));
    // Baselines on the same examples, the interval and the classes predicted.
    // The majority baseline predicts the training split's largest class.
    const trainCounts = new Map<number, number>();
    for (const e of loadTask('genre').train) trainCounts.set(e.label, (trainCounts.get(e.label) ?? 0) + 1);
    const trainMajority = [...trainCounts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    const share = test.filter((e) => e.label === trainMajority).length / test.length;
    assert.ok(Math.abs(result.baselines.test.majority.accuracy - share) < 1e-12, 'the majority baseline is the test share of the largest training class');
    assert.equal(result.baselines.test.majority.predicted_classes, 1);
    const bow = result.baselines.test.bag_of_words;
    assert.ok(bow.accuracy > majority + 0.05 && bow.examples === test.length, `bag of words ${bow.accuracy} beats the majority class ${majority}`);
    const [lo, hi] = result.test.accuracy_95;
    assert.ok(lo < result.test.accuracy && result.test.accuracy < hi && hi - lo < 0.1, `interval ${lo}-${hi} around ${result.test.accuracy}`);
    assert.ok(result.test.predicted_classes >= 3, `predicts ${result.test.predicted_classes} classes`);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.pooling, 'first', 'the default head reads the first token');
    assert.equal(result.lr, 3e-3);
    const ck = loadCheckpoint(out, false, 'tltc-classifier');
    assert.equal(ck.config.labels?.length, 15);

    // Compressed exports, measured through onnxruntime-node.
    for (const quant of ['int4', 'int8']) {
      const cdir = path.join(dir, `c-${quant}`);
      const c = runCli(['compress', '--checkpoint', out, '--task', 'genre', '--quant', quant, '--out', cdir, '--threads', '2'], env);
      assert.equal(c.code, 0, c.stderr);
      const report = JSON.parse(readFileSync(path.join(cdir, 'compress.json'), 'utf8'));
      for (const key of ['method', 'accuracy', 'fp32_accuracy', 'accuracy_delta_points', 'accuracy_95', 'predicted_classes', 'fp32_accuracy_95', 'baselines', 'warnings', 'params', 'nonzero_params', 'bytes', 'fp32_bytes', 'threads']) {
        assert.ok(report[key] !== undefined, `compress.json has ${key}`);
      }
      for (const key of ['latency_ms', 'fp32_latency_ms']) assert.ok(report[key].batch1 > 0 && report[key].batch8 > 0);
      // The fp32 export predicts what the training graph predicted.
      assert.ok(Math.abs(report.fp32_accuracy - result.test.accuracy) < 0.005, `${report.fp32_accuracy} vs ${result.test.accuracy}`);
      assert.ok(report.bytes < report.fp32_bytes, `${quant} file ${report.bytes} is not smaller than fp32 ${report.fp32_bytes}`);
      assert.ok(Math.abs(report.accuracy_delta_points) < 10, `${quant} changed accuracy by ${report.accuracy_delta_points} points`);
      assert.ok(existsSync(path.join(cdir, 'onnx', 'model.onnx')));
      assert.deepEqual(report.baselines, result.baselines.test, 'compress scores the baselines on the examples fine-tuning did');
    }
    // Structured + gradual magnitude pruning + QAT at 4 bits, with recovery training.
    const cdir = path.join(dir, 'c-all');
    const all = runCli(['compress', '--checkpoint', out, '--quant', 'int4', '--prune', '0.6', '--structured', 'heads=0.5,ffn=0.4', '--qat', '--budget', '40steps', '--lr', '1e-3', '--out', cdir, '--threads', '2', '--quiet'], env);
    assert.equal(all.code, 0, all.stderr);
    const rep = JSON.parse(readFileSync(path.join(cdir, 'compress.json'), 'utf8'));
    assert.equal(rep.structured.heads_removed, 2); // of 2 layers x 2 heads, each layer keeps one
    assert.equal(rep.structured.neurons_removed, Math.floor(0.4 * 2 * 256));
    assert.ok(Math.abs(rep.sparsity - 0.6) < 1e-4, `sparsity ${rep.sparsity}`);
    assert.ok(rep.params < rep.fp32_params && rep.nonzero_params < rep.params);
    assert.ok(rep.compressed_fp32.bytes < rep.fp32_bytes, 'structured pruning makes the fp32 file smaller');
    assert.ok(rep.sparse_bytes < rep.bytes);
    assert.equal(rep.recovery.steps, 40);
    assert.ok(rep.prune.mask_updates > 3);
    assert.match(rep.method, /structured: 2\/4 heads.*magnitude pruning to 0.6 \(gradual, global\).*quantization-aware training.*4-bit/);
    // The compressed model's checkpoint loads, with its per-layer sizes.
    const cck = loadCheckpoint(cdir, false, 'tltc-classifier');
    assert.deepEqual(cck.config.model.layer_heads, [1, 1]);

    for (const [args, message] of [
      [['--quant', 'int3x'], /^tltc: --quant "int3x" is not understood/],
      [['--quant', '9'], /^tltc: --quant "9": bits must be from 2 to 8/],
      [['--quant', '4:per-tensor'], /is not exported/],
      [['--prune', '1'], /^tltc: --prune must be a sparsity in \[0, 1\)/],
      [['--prune', '-0.2'], /--prune must be a sparsity/],
      [['--structured', 'heads=2'], /heads must be a fraction/],
      [['--task', 'nli'], /^tltc: unknown task "nli"/],
      [['--quant', 'fp32', '--qat'], /--qat needs a quantized --quant/],
    ] as const) {
      const bad = runCli(['compress', '--checkpoint', out, ...args, '--out', path.join(dir, 'cbad')], env);
      assert.equal(bad.code, 1, args.join(' '));
      assert.match(bad.stderr, message);
      assert.equal(bad.stderr.trim().split('\n').length, 1);
    }
    assert.ok(!existsSync(path.join(dir, 'cbad', 'compress.json')));
    const notClassifier = runCli(['compress', '--checkpoint', pre, '--out', path.join(dir, 'cbad2')], env);
    assert.equal(notClassifier.code, 1);
    assert.match(notClassifier.stderr, /holds a tltc-mlm model, expected tltc-classifier/);

    // A classifier is not a pretrained checkpoint, and an unknown task is refused.
    const again = runCli(['finetune', '--checkpoint', out, '--task', 'genre', '--out', path.join(dir, 'ft2')], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^tltc: .*holds a tltc-classifier model, expected tltc-mlm/);
    const bad = runCli(['finetune', '--checkpoint', pre, '--task', 'nli', '--out', path.join(dir, 'ft3')], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tltc: unknown task "nli"/);
    assert.ok(!existsSync(path.join(dir, 'ft2')) && !existsSync(path.join(dir, 'ft3')));
  });

  it('fine-tunes with --method earlybert: an early-bird search, then the smaller model for the rest of the budget; the random control matches its sizes', () => {
    const run = (name: string, ...extra: string[]) => {
      const r = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', path.join(dir, name), '--budget', '300steps', '--lr', '3e-3', '--batch-size', '32', '--eval-examples', '100', '--threads', '2', '--quiet', '--method', 'earlybert', ...extra], env);
      assert.equal(r.code, 0, r.stderr);
      return { result: JSON.parse(r.stdout.trim()), ticket: JSON.parse(readFileSync(path.join(dir, name, 'ticket.json'), 'utf8')), ck: loadCheckpoint(path.join(dir, name), false, 'tltc-classifier') };
    };
    const bird = run('eb', '--earlybert-heads', '0.5');
    const eb = bird.result.earlybert;
    assert.equal(bird.result.steps, 300, 'the search and the ticket share the budget');
    assert.ok(eb.search.steps >= 20 && eb.search.steps <= 150, `the search ends at a draw within max_search: ${eb.search.steps}`);
    assert.equal(bird.ticket.draws.length, Math.ceil(eb.search.steps / 20));
    const ffn = bird.ck.config.model.layer_ffn!;
    assert.equal(ffn.reduce((a: number, b: number) => a + b, 0), 2 * 256 - Math.floor(0.4 * 2 * 256), 'the ticket removes 40% of the FFN neurons, rounded down');
    assert.ok(bird.ck.params.get('roberta.encoder.layer.0.intermediate.dense.weight')!.length === ffn[0] * 64, 'the checkpoint holds the smaller model');
    assert.ok(![...bird.ck.params.keys()].some((k) => k.startsWith('slimming/')), 'no coefficients are left');
    assert.deepEqual(bird.ck.config.model.layer_heads, [1, 1], '--earlybert-heads 0.5 removes one of each layer\'s two heads');
    const control = run('eb-random', '--earlybert-ticket', 'random', '--earlybert-weights', 'rewind', '--earlybert-heads', '0.5');
    assert.deepEqual([control.ck.config.model.layer_ffn, control.ck.config.model.layer_heads], [ffn, bird.ck.config.model.layer_heads]);
    assert.deepEqual([control.result.earlybert.kind, control.result.earlybert.weights], ['random', 'rewind']);
    assert.notDeepEqual(control.ticket.kept.neurons, bird.ticket.kept.neurons);
    const bad = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', path.join(dir, 'eb-bad'), '--earlybert-ticket', 'random'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr.trim(), /^tltc: --earlybert-weights, --earlybert-ticket, --earlybert-heads and --earlybert-ffn need --method earlybert$/);
    const all = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', path.join(dir, 'eb-bad'), '--method', 'earlybert', '--earlybert-ffn', '1'], env);
    assert.equal(all.code, 1);
    assert.match(all.stderr.trim(), /^tltc: --earlybert-ffn must be in \[0, 1\), got "1"$/);
    assert.ok(!existsSync(path.join(dir, 'eb-bad')));
  });

  it('fine-tunes with --method ia3: only the vectors and the head train, merged into the checkpoint, the add-on a few KB', () => {
    const r = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', path.join(dir, 'ia3'), '--budget', '300steps', '--batch-size', '32', '--eval-examples', '100', '--threads', '2', '--quiet', '--method', 'ia3'], env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim());
    assert.equal(result.lr, 3e-3, "(IA)^3's default rate");
    // Per layer: 64 + 64 key and value scales and 256 FFN scales; the head: 64 x 64 + 64 and 64 x 15 + 15.
    const vectors = 2 * (64 + 64 + 256);
    const head = 64 * 64 + 64 + 64 * 15 + 15;
    assert.equal(result.adapter.trained_params, vectors + head);
    assert.ok(result.adapter.bytes < 4 * (vectors + head) + 2000 && existsSync(path.join(dir, 'ia3', 'adapter.safetensors')));
    const ck = loadCheckpoint(path.join(dir, 'ia3'), false, 'tltc-classifier');
    const base = loadCheckpoint(pre);
    assert.ok(![...ck.params.keys()].some((k) => k.startsWith('ia3/')), 'the vectors are merged');
    const same = (name: string) => ck.params.get(name)!.every((v, i) => v === base.params.get(name)![i]);
    assert.ok(same('roberta.encoder.layer.0.attention.self.query.weight') && same('roberta.encoder.layer.1.intermediate.dense.weight'), 'weights (IA)^3 does not scale are the pretrained ones');
    assert.ok(!same('roberta.encoder.layer.0.attention.self.key.weight') && !same('roberta.encoder.layer.1.output.dense.weight'), 'the scaled weights carry the trained vectors');
  });

  it('fine-tunes with --method prompt: only the soft prompt and the head train; predict and the ONNX export read the prompt', () => {
    const promptDir = path.join(dir, 'prompt');
    const r = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', promptDir, '--budget', '100steps', '--batch-size', '32', '--eval-examples', '100', '--threads', '2', '--quiet', '--method', 'prompt', '--prompt-length', '8'], env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim());
    assert.equal(result.lr, 1e-2, "prompt tuning's default rate");
    const head = 64 * 64 + 64 + 64 * 15 + 15;
    assert.equal(result.adapter.method, 'prompt');
    assert.equal(result.adapter.trained_params, 8 * 64 + head);
    const ck = loadCheckpoint(promptDir, false, 'tltc-classifier');
    assert.equal(ck.config.model.prompt_length, 8);
    const base = loadCheckpoint(pre);
    assert.ok([...base.params.keys()].filter((k) => !k.startsWith('lm_head.')).every((k) => ck.params.get(k)!.every((v, i) => v === base.params.get(k)![i])), 'the encoder is the pretrained one');
    // The exported ONNX graph reads the prompt: its predictions are the checkpoint's.
    const text = 'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.';
    const exported = runCli(['export', '--checkpoint', promptDir, '--format', 'transformersjs', '--out', path.join(dir, 'prompt-onnx')], env);
    assert.equal(exported.code, 0, exported.stderr);
    const fromCheckpoint = JSON.parse(runCli(['predict', '--checkpoint', promptDir, '--text', text], env).stdout.trim());
    const onnx = readdirSync(path.join(dir, 'prompt-onnx', 'onnx')).find((f) => f === 'model.onnx')!;
    const fromOnnx = JSON.parse(runCli(['predict', '--onnx', path.join(dir, 'prompt-onnx', 'onnx', onnx), '--text', text], env).stdout.trim());
    assert.equal(fromOnnx.label, fromCheckpoint.label);
    assert.ok(Math.abs(fromOnnx.score - fromCheckpoint.score) < 1e-4, `${fromOnnx.score} vs ${fromCheckpoint.score}`);
    const hf = runCli(['export', '--checkpoint', promptDir, '--format', 'hf', '--out', path.join(dir, 'prompt-hf')], env);
    assert.match(hf.stderr, /^tltc: .* reads a soft prompt \(prompt tuning\), which Hugging Face's RoBERTa has no place for/);
    const long = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', path.join(dir, 'prompt-long'), '--method', 'prompt', '--prompt-length', '65'], env);
    assert.equal(long.code, 1);
    assert.match(long.stderr, /^tltc: --prompt-length 65 must be a whole number from 1 to the model's sequence length, 64\n$/);
    assert.ok(!existsSync(path.join(dir, 'prompt-long')), 'nothing written');
  });

  it('distills a fine-tuned teacher into the student with --teacher: soft targets change what trains, alpha 0 is plain fine-tuning, and the teacher\'s cost is recorded', () => {
    const student = (name: string, extra: string[]) => {
      const r = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--out', path.join(dir, name), '--budget', '60steps', '--batch-size', '32', '--eval-examples', '100', '--threads', '2', '--quiet', ...extra], env);
      assert.equal(r.code, 0, r.stderr);
      return { result: JSON.parse(r.stdout.trim()), weights: readFileSync(path.join(loadCheckpoint(path.join(dir, name), false, 'tltc-classifier').dir, 'model.safetensors')) };
    };
    const plain = student('kd-none', []);
    const hardOnly = student('kd-alpha0', ['--teacher', out, '--distill-alpha', '0']);
    const softOnly = student('kd-alpha1', ['--teacher', out, '--distill-alpha', '1', '--distill-temperature', '3']);
    assert.ok(hardOnly.weights.equals(plain.weights), 'alpha 0 trains on the labels alone');
    assert.ok(!softOnly.weights.equals(plain.weights), 'alpha 1 trains on the teacher');
    const t = softOnly.result.teacher;
    assert.deepEqual([t.model, t.alpha, t.temperature], ['L2-H64', 1, 3]);
    assert.ok(t.finetune_s > 0 && t.pretrain_s > 0 && t.labeling_s > 0, JSON.stringify(t));
    assert.ok(Math.abs(softOnly.result.train_s_with_teacher - (softOnly.result.train_s + t.finetune_s + t.pretrain_s + t.labeling_s)) < 1e-9);
    const otherTask = runCli(['finetune', '--checkpoint', pre, '--task', 'spam', '--teacher', out, '--out', path.join(dir, 'kd-spam')], env);
    assert.equal(otherTask.code, 1);
    assert.match(otherTask.stderr, /^tltc: teacher .* was fine-tuned for the classes \[.*\], not this task's \[.*\]: pass a teacher fine-tuned on --task spam\n$/);
    assert.ok(!existsSync(path.join(dir, 'kd-spam')), 'nothing written');
    const noTeacher = runCli(['finetune', '--checkpoint', pre, '--task', 'genre', '--distill-alpha', '0.3', '--out', path.join(dir, 'kd-bad')], env);
    assert.match(noTeacher.stderr, /^tltc: --distill-alpha and --distill-temperature need --teacher DIR/);
  });

  it('finds lottery tickets by iterative magnitude pruning with rewinding, and random tickets of the same sparsity', () => {
    const compress = (name: string, args: string[]) => {
      const r = runCli(['compress', '--checkpoint', out, '--quant', 'fp32', '--examples', '100', '--lr', '1e-3', '--threads', '2', '--quiet', '--out', path.join(dir, name), ...args], env);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(readFileSync(path.join(dir, name, 'compress.json'), 'utf8'));
    };
    const imp = compress('imp', ['--method', 'imp', '--rounds', '2', '--budget', '15steps']);
    assert.ok(Math.abs(imp.sparsity - 0.36) < 1e-4, `sparsity ${imp.sparsity}`);
    assert.deepEqual(imp.recovery.ticket.rounds.map((r: { sparsity: number; steps: number }) => [Number(r.sparsity.toFixed(4)), r.steps]), [[0.2, 15], [0.36, 15]]);
    assert.deepEqual(imp.recovery.ticket.rewind, { to: 'pretrained', from: path.join(pre, 'checkpoints', 'step-00000400'), head_seed: 0 });
    assert.match(imp.method, /^lottery ticket: iterative magnitude pruning to 0.36 .* in 2 rounds, each rewinding to the pretrained weights/);
    const random = compress('random', ['--method', 'random', '--prune', '0.36', '--budget', '15steps']);
    assert.ok(Math.abs(random.sparsity - 0.36) < 1e-4);
    assert.match(random.method, /^random ticket/);
    const late = compress('late', ['--method', 'imp', '--prune', '0.2', '--rewind-to', '10', '--budget', '10steps']);
    assert.equal(late.recovery.ticket.rewind.step, 10);
    assert.equal(late.recovery.ticket.rounds.length, 1);

    for (const [args, message] of [
      [['--rounds', '2'], /--rounds, --prune-per-round and --rewind-to belong to --method imp or random/],
      [['--method', 'imp', '--prune', '0.5', '--structured', 'heads=0.5'], /leave out --structured/],
      [['--method', 'imp', '--prune', '0.5', '--rewind-to', 'start'], /--rewind-to must be "pretrained" or a fine-tuning step/],
      [['--method', 'imp', '--prune', '0.5', '--rounds', '2'], /not both/],
      [['--method', 'random'], /--method random needs --prune/],
      [['--method', 'imp', '--rounds', '2', '--prune-per-round', '1.5'], /--prune-per-round must be in \(0, 1\)/],
      [['--method', 'imp', '--prune', '0.2', '--rewind-to', '100000', '--budget', '1steps'], /--rewind-to 100000 is past the end of .* fine-tuning \(800 steps\)/],
    ] as const) {
      const bad = runCli(['compress', '--checkpoint', out, ...args, '--quiet', '--out', path.join(dir, 'tbad')], env);
      assert.equal(bad.code, 1, args.join(' '));
      assert.match(bad.stderr, message);
      assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    }
    // A ticket rewinds to the pretrained checkpoint: moved away, it is named before any work.
    renameSync(pre, `${pre}-moved`);
    try {
      const moved = runCli(['compress', '--checkpoint', out, '--method', 'imp', '--prune', '0.5', '--out', path.join(dir, 'tbad2')], env);
      assert.equal(moved.code, 1);
      assert.match(moved.stderr, /was fine-tuned from .*step-00000400, which a ticket rewinds to, but it cannot be loaded .*: restore it, or compress with --method magnitude$/m);
      assert.ok(!existsSync(path.join(dir, 'tbad2')));
    } finally {
      renameSync(`${pre}-moved`, pre);
    }
  });
});
