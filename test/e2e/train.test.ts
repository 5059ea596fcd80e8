import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mobyCorpus, readMetrics, runCli, startCli, tmpDir } from '../helpers/cli.ts';

// A tiny model on real text (Moby-Dick chapters) through the real CLI.
const dir = tmpDir();
const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
const corpus = mobyCorpus(dir);
const config = (budget: string) => ({
  model: { n_layers: 2, d_model: 64, n_heads: 2 },
  data: { corpus, vocab_size: 512, seq_len: 64 },
  batch_size: 16,
  optimizer: { lr: 3e-3, warmup_steps: 20 },
  budget,
  eval: { interval_s: 2, sequences: 32 },
  seed: 1,
  threads: 2,
});

describe('tltc train end to end', () => {
  it('trains on real text: validation loss falls well below the start and below the unigram model', () => {
    const cfgFile = path.join(dir, 'train.json');
    writeFileSync(cfgFile, JSON.stringify(config('400steps')));
    const out = path.join(dir, 'run');
    const r = runCli(['train', '--config', cfgFile, '--out', out, '--json', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim());
    const rows = readMetrics(out);
    assert.ok(rows.length >= 2, 'an evaluation per interval and one at the end');
    for (const key of ['step', 'wall_s', 'tokens', 'flops', 'train_loss', 'val_loss', 'val_ppl', 'lr', 'tokens_per_s']) {
      assert.ok(typeof rows[0][key] === 'number', `metrics.jsonl has ${key}`);
    }
    assert.equal(summary.step, 400);
    assert.ok(summary.val_loss < Math.log(512) - 1.0, `val loss ${summary.val_loss} should fall well below ln(512) = ${Math.log(512)}`);
    assert.ok(summary.val_ppl < summary.unigram_val_ppl, `val ppl ${summary.val_ppl} should beat the unigram ppl ${summary.unigram_val_ppl}`);
    assert.ok(rows.at(-1)!.val_loss < rows[0].val_loss, 'validation loss falls between evaluations');
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    assert.equal(run.seed, 1);
    assert.ok(run.machine.onnxruntime);

    // eval reproduces the final validation loss from the checkpoint alone
    const ev = runCli(['eval', '--checkpoint', out, '--threads', '2'], env);
    assert.equal(ev.code, 0, ev.stderr);
    const evr = JSON.parse(ev.stdout.trim());
    assert.ok(Math.abs(evr.val_loss - summary.val_loss) < 1e-4, `eval ${evr.val_loss} vs training's ${summary.val_loss}`);

    // a run folder is not overwritten without --resume
    const again = runCli(['train', '--config', cfgFile, '--out', out, '--quiet'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds a run: add --resume/);

    // a truncated model.safetensors is refused with a clear one-line error
    const ck = path.join(out, 'checkpoints', readdirSync(path.join(out, 'checkpoints')).sort().at(-1)!);
    truncateSync(path.join(ck, 'model.safetensors'), 1000);
    const bad = runCli(['eval', '--checkpoint', ck], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tltc: .*model\.safetensors is truncated or damaged/);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });

  it('starts at the unigram distribution: a wide untrained model evaluates within 5% of the unigram perplexity of the same positions', () => {
    const untrained = (name: string, init: Record<string, unknown>) => {
      const cfgFile = path.join(dir, `untrained-${name}.json`);
      const cfg = { ...config('1steps'), model: { n_layers: 1, d_model: 384, n_heads: 6 }, optimizer: { lr: 1e-12 }, init };
      writeFileSync(cfgFile, JSON.stringify(cfg));
      const r = runCli(['train', '--config', cfgFile, '--out', path.join(dir, `untrained-${name}`), '--json', '--quiet'], env);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout.trim()) as { val_ppl: number; unigram_val_ppl: number };
      return s.val_ppl / s.unigram_val_ppl - 1;
    };
    const start = untrained('default', { output_bias: 'unigram' });
    assert.ok(Math.abs(start) < 0.05, `untrained model ${(100 * start).toFixed(1)}% from the unigram perplexity`);
    // The control: without scaling the embeddings, the random tied decoder's logits at width 384
    // put the untrained model further above it.
    const unscaled = untrained('unscaled', { output_bias: 'unigram', embedding_scale: 1 });
    assert.ok(unscaled > start + 0.03, `unscaled embeddings ${(100 * unscaled).toFixed(1)}% above, scaled ${(100 * start).toFixed(1)}%`);
    const uniform = untrained('zeros', { output_bias: 'zeros' });
    assert.ok(uniform > 0.5, `a zero output bias starts near uniform: ${(100 * uniform).toFixed(0)}% above`);
  });

  it('learns to use context: on text that repeats a 3-token pattern it predicts masked tokens far better than unigram', () => {
    // Each document repeats three random letters; only attention to neighbours can predict a masked one.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const docs = Array.from({ length: 600 }, () => {
      const pattern = [0, 1, 2].map(() => letters[Math.floor(rand() * 26)]);
      return Array.from({ length: 40 }, () => pattern.join(' ')).join(' ');
    });
    const text = path.join(dir, 'periodic.txt');
    writeFileSync(text, docs.join('\n\n'));
    const cfgFile = path.join(dir, 'periodic.json');
    writeFileSync(cfgFile, JSON.stringify({ ...config('600steps'), data: { corpus: text, vocab_size: 280, seq_len: 64 } }));
    const r = runCli(['train', '--config', cfgFile, '--out', path.join(dir, 'periodic'), '--json', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim());
    assert.ok(summary.val_ppl < summary.unigram_val_ppl / 5, `val ppl ${summary.val_ppl} vs unigram ${summary.unigram_val_ppl}`);
  });

  it('survives SIGKILL: --resume continues from the newest checkpoint with the same data order', async () => {
    const cfgFile = path.join(dir, 'kill.json');
    writeFileSync(cfgFile, JSON.stringify({ ...config('300steps'), eval: { interval_s: 1, sequences: 32 } }));
    const out = path.join(dir, 'killed');
    const child = startCli(['train', '--config', cfgFile, '--out', out, '--quiet'], env);
    const ckDir = path.join(out, 'checkpoints');
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (existsSync(ckDir) && readdirSync(ckDir).filter((f) => f.startsWith('step-')).length >= 2) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 50);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error('training finished before it could be killed'));
      });
    });
    await new Promise((r) => child.once('exit', r));
    const before = readMetrics(out);
    const r = runCli(['train', '--config', cfgFile, '--out', out, '--resume', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /resuming .* from step-\d+ \(step \d+/);
    const resumedFrom = Number(/from step-(\d+)/.exec(r.stderr)![1]);
    assert.ok(resumedFrom > 0 && resumedFrom < 300);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.step, 300);
    const after = readMetrics(out);
    assert.ok(after.length > before.length);
    assert.ok(after.every((row, i) => i === 0 || row.step > after[i - 1].step || row.step === resumedFrom), 'steps keep increasing after the resume');

    // The same config run without interruption ends with bit-identical parameters (same machine and threads).
    const straight = path.join(dir, 'straight');
    const s = runCli(['train', '--config', cfgFile, '--out', straight, '--quiet'], env);
    assert.equal(s.code, 0, s.stderr);
    const final = (run: string) => readFileSync(path.join(run, 'checkpoints', 'step-00000300', 'model.safetensors'));
    assert.ok(final(out).equals(final(straight)), 'resumed and uninterrupted runs end with the same bytes');
  });

  it('the default recipe starts at the unigram perplexity and evaluates at even shares of the budget', () => {
    // Default schedule, dropout, learning rate and output bias; 15 steps and 15 evaluations, so the
    // first evaluation follows a step at learning rate 0 (warm-up starts from 0): the initial model.
    const recipe = (bias: string) => ({ model: config('1s').model, data: config('1s').data, batch_size: 16, budget: '15steps', eval: { sequences: 32 }, init: { output_bias: bias }, seed: 2, threads: 2 });
    const runWith = (bias: string) => {
      const cfgFile = path.join(dir, `recipe-${bias}.json`);
      writeFileSync(cfgFile, JSON.stringify(recipe(bias)));
      const out = path.join(dir, `recipe-${bias}`);
      const r = runCli(['train', '--config', cfgFile, '--out', out, '--json', '--quiet'], env);
      assert.equal(r.code, 0, r.stderr);
      return { rows: readMetrics(out), summary: JSON.parse(r.stdout.trim()), run: JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8')) };
    };
    const unigram = runWith('unigram');
    assert.deepEqual(unigram.rows.map((r) => r.step), Array.from({ length: 15 }, (_, i) => i + 1));
    const bar = unigram.summary.unigram_val_ppl;
    assert.ok(unigram.rows[0].val_ppl <= 1.05 * bar, `first evaluation ${unigram.rows[0].val_ppl} within 5% of the unigram perplexity ${bar} or below`);
    assert.equal(unigram.run.optimizer.lr_source, 'width rule');
    assert.equal(unigram.run.optimizer.warmup_fraction, 0.05);
    assert.equal(unigram.run.validation_mask_prob, 0.15);
    const zeros = runWith('zeros');
    assert.ok(zeros.rows[0].val_ppl > 1.5 * bar, `a zero output bias starts far above the unigram perplexity: ${zeros.rows[0].val_ppl} against ${bar}`);

    // eval.stop_at_ppl ends the same run at the first evaluation at or below the target;
    // eval.keep_at_ppl keeps the checkpoint of the first evaluation at or below each of its targets.
    const target = unigram.rows[9].val_ppl;
    const first = unigram.rows.findIndex((r) => r.val_ppl <= target);
    const keepTarget = unigram.rows[4].val_ppl;
    const keptAt = unigram.rows.findIndex((r) => r.val_ppl <= keepTarget);
    const cfgFile = path.join(dir, 'recipe-target.json');
    writeFileSync(cfgFile, JSON.stringify({ ...recipe('unigram'), eval: { sequences: 32, stop_at_ppl: target, keep_at_ppl: [keepTarget, 1.5] } }));
    const out = path.join(dir, 'recipe-target');
    const r = runCli(['train', '--config', cfgFile, '--out', out, '--json', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim());
    assert.equal(summary.step, first + 1);
    assert.equal(summary.stopped_at_ppl, target);
    assert.deepEqual(readMetrics(out).map((x) => x.val_ppl), unigram.rows.slice(0, first + 1).map((x) => x.val_ppl));
    const kept = JSON.parse(readFileSync(path.join(out, 'kept', `ppl-${keepTarget}`, 'config.json'), 'utf8'));
    assert.equal(kept.state.step, keptAt + 1, 'the copy is the checkpoint of the first evaluation at or below the target');
    assert.ok(existsSync(path.join(out, 'kept', `ppl-${keepTarget}`, 'model.safetensors')));
    assert.deepEqual(readdirSync(path.join(out, 'kept')), [`ppl-${keepTarget}`], 'a target never reached keeps nothing');
  });
});
