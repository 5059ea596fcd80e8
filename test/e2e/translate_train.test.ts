import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { swordRoot } from '../../src/data/sword.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';

const missing = !['engKJV2006eb', 'spaRV1909eb'].every((id) => existsSync(path.join(swordRoot(), 'mods.d', `${id}.conf`)));
const skip = missing ? 'needs Debian sword-text-kjv and sword-text-sparv' : false;

describe('tltc train --task translate-en-es', () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const config = { task: 'translate-en-es', model: 'E1-D1-H32', budget: '12steps', batch_size: 8, data: { vocab_size: 512, seq_len: 32 }, eval: { evaluations: 2, sequences: 8 }, threads: 1, keep_checkpoints: 3 };

  it('trains an encoder-decoder: metrics with BLEU and chrF, run.json with the baselines, a translation checkpoint', { skip }, () => {
    const file = path.join(dir, 'mt.json');
    writeFileSync(file, JSON.stringify(config));
    const out = path.join(dir, 'run');
    const r = runCli(['train', '--config', file, '--out', out, '--quiet', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.model, 'E1-D1-H32');
    assert.ok(summary.val_ppl < summary.unigram_val_ppl * 3 && summary.val_ppl > 1, JSON.stringify(summary));
    const rows = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((row) => row.step), [6, 12]);
    for (const row of rows) assert.ok(row.val_bleu >= 0 && row.val_bleu <= 100 && row.val_chrf >= 0 && Number.isFinite(row.val_loss), JSON.stringify(row));
    const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    assert.equal(run.task.task, 'translate-en-es');
    assert.equal(run.evaluation.pairs, 8);
    assert.ok(run.evaluation.copy_source_bleu >= 0 && run.training_pairs.used > 1000, JSON.stringify(run.training_pairs));
    const ck = JSON.parse(readFileSync(path.join(out, 'checkpoints', 'step-00000012', 'config.json'), 'utf8'));
    assert.equal(ck.model_type, 'tltc-seq2seq');
    // Translate and evaluate it.
    const translated = runCli(['translate', '--checkpoint', out, '--text', 'In the beginning God created the heaven and the earth.', 'And God saw the light.', '--threads', '1'], env);
    assert.equal(translated.code, 0, translated.stderr);
    assert.equal(translated.stdout.split('\n').length, 3, translated.stdout);
    const lines = path.join(dir, 'lines.txt');
    writeFileSync(lines, 'And God said.\n\nLet there be light.\n');
    const blank = runCli(['translate', '--checkpoint', out, '--input', lines], env);
    assert.equal(blank.code, 1);
    assert.match(blank.stderr, /^tltc: --input .*lines\.txt:2: the line is empty/);
    const beamed = runCli(['translate', '--checkpoint', out, '--beam', '3', '--text', 'And God saw the light.', '--threads', '1'], env);
    assert.equal(beamed.code, 0, beamed.stderr);
    assert.equal(beamed.stdout.split('\n').length, 2, beamed.stdout);
    const evaluated = runCli(['eval', '--checkpoint', out, '--examples', '6', '--threads', '1'], env);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const scores = JSON.parse(evaluated.stdout);
    assert.deepEqual([scores.task, scores.split, scores.pairs, scores.decoding], ['translate-en-es', 'test', 6, 'greedy']);
    assert.ok(scores.bleu >= 0 && scores.chrf >= 0 && scores.copy_source_bleu > 0 && /^BLEU\|nrefs:1/.test(scores.bleu_line), JSON.stringify(scores));
    assert.ok(scores.bleu_95[0] <= scores.bleu && scores.bleu <= scores.bleu_95[1], JSON.stringify(scores.bleu_95));
    const beamEval = JSON.parse(runCli(['eval', '--checkpoint', out, '--split', 'validation', '--beam', '2', '--examples', '6', '--threads', '1', '--out', path.join(out, 'eval-validation-beam2.json')], env).stdout);
    assert.deepEqual([beamEval.split, beamEval.pairs, beamEval.decoding], ['validation', 6, { beam: 2, length_penalty: 1 }]);
    assert.ok(Math.abs(beamEval.beam_minus_greedy_bleu - (beamEval.bleu - beamEval.greedy_bleu)) < 1e-9, JSON.stringify(beamEval));
    assert.ok(beamEval.beam_minus_greedy_bleu_95[0] <= beamEval.beam_minus_greedy_bleu_95[1] && beamEval.greedy_chrf >= 0);
    const written = runCli(['eval', '--checkpoint', out, '--examples', '6', '--threads', '1', '--out', path.join(out, 'eval.json')], env);
    assert.equal(written.code, 0, written.stderr);
    const table = runCli(['report', '--markdown', out], env);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^\| run \| model \| params \| task \| budget \| peak lr \| steps \| train s \| tokens\/s \| val ppl \| val BLEU \| val chrF \| test BLEU \(95% bootstrap\) \| test chrF \| decoding \| copy-source test BLEU \|/);
    assert.match(table.stdout, new RegExp(`\\| \\. \\| E1-D1-H32 \\| [0-9.]+M \\| translate-en-es \\| 12steps \\| [0-9.]+e-[0-9] \\| 12 \\| .* \\| ${scores.bleu.toFixed(2)} \\([0-9.]+-[0-9.]+\\) \\| [0-9.]+ \\| greedy \\| ${scores.copy_source_bleu.toFixed(2)} \\|`));
    assert.match(table.stdout, new RegExp(`\\n\\n\\| run \\| model \\| beam \\|.*\\n.*\\n\\| \\. \\| E1-D1-H32 \\| 2 \\(length exponent 1\\) \\| ${beamEval.greedy_bleu.toFixed(2)} \\| ${beamEval.bleu.toFixed(2)} \\|`), 'the beam table follows');
    // A translation checkpoint is refused where an encoder is expected, with one line.
    const finetune = runCli(['finetune', '--checkpoint', out, '--task', 'genre', '--out', path.join(dir, 'ft')], env);
    assert.equal(finetune.code, 1);
    assert.match(finetune.stderr, /^tltc: .*holds a translation \(encoder-decoder\) model/);
  });

  it('a run stopped after step 5 and resumed ends with the same weights as one that was not', { skip }, async () => {
    const cfg = parseTrainConfig(config, 'test');
    const whole = await train(cfg, { outDir: path.join(dir, 'whole'), quiet: true });
    const stop = new AbortController();
    const first = await train(cfg, { outDir: path.join(dir, 'parts'), quiet: true, signal: stop.signal, onStep: (p) => p.step === 5 && stop.abort() });
    assert.equal(first.stopped, true);
    const resumed = await train(cfg, { outDir: path.join(dir, 'parts'), quiet: true, resume: true });
    const weights = (run: string) => readFileSync(path.join(run, 'checkpoints', 'step-00000012', 'model.safetensors'));
    assert.ok(weights(whole.runDir).equals(weights(resumed.runDir)), 'the resumed run drifted from the uninterrupted one');
    assert.equal(resumed.final.val_loss, whole.final.val_loss);
  });

  it('refuses a model without a decoder, an encoder-decoder without a task, and an unknown task, with one line each', () => {
    for (const [args, message] of [
      [['--task', 'translate-en-es', '--model', 'L2-H64'], /not of the form E\{encoder layers\}-D\{decoder layers\}-H\{width\}.*needs a decoder/],
      [['--model', 'E2-D2-H64'], /model E2-D2-H64 is an encoder-decoder: train it on a translation task/],
      [['--task', 'translate-en-fr', '--model', 'E2-D2-H64'], /unknown translation task "translate-en-fr": available translation tasks are translate-en-es, translate-es-en/],
    ] as const) {
      const r = runCli(['train', ...args, '--out', path.join(dir, 'bad'), '--budget', '1steps'], env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!existsSync(path.join(dir, 'bad')));
    }
  });
});
