import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadCheckpoint } from '../../src/train/checkpoint.ts';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';

describe('part-of-speech tagging end to end', () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const pre = path.join(dir, 'pre');
  saveTinyCheckpoint(pre, mobyTokenizer(400), 'tltc-mlm', undefined, 1, { n_layers: 2, d_model: 32, n_heads: 2, d_ff: 64, dropout: 0 });

  it('a tagger with token-level exits learns beyond the most frequent tag and draws accuracy against saved token-layers', () => {
    const out = path.join(dir, 'pos');
    const r = runCli(['finetune', '--checkpoint', pre, '--task', 'pos', '--out', out, '--budget', '150steps', '--lr', '3e-3', '--batch-size', '16', '--eval-examples', '150', '--threads', '1', '--early-exit', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout.trim());
    assert.equal(result.tags.length, 12);
    assert.ok(result.test.tokens > 1000, `${result.test.tokens} words scored`);
    assert.ok(result.test.accuracy > result.baselines.test.majority_tag.accuracy + 0.1, `${result.test.accuracy} against the most frequent tag's ${result.baselines.test.majority_tag.accuracy}`);
    assert.equal(result.exits.test.length, 2);
    assert.deepEqual(result.exits.test[1], result.test);
    const curve = result.token_exit as { threshold: number; accuracy: number; mean_layers: number; saved_token_layers: number }[];
    assert.equal(curve[0].saved_token_layers, 0);
    assert.equal(curve[0].accuracy, result.test.accuracy, 'threshold 0 runs every token through every layer');
    assert.equal(curve.at(-1)!.mean_layers, 1, 'threshold ln(tags) halts every token after layer 1');
    assert.ok(Math.abs(curve.at(-1)!.accuracy - result.exits.test[0].accuracy) < 1e-12, 'all halted after layer 1: the first exit\'s tags');
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i].mean_layers <= curve[i - 1].mean_layers, 'a higher threshold runs no more layers');
    assert.equal(loadCheckpoint(out, false, 'tltc-tagger').config.labels?.length, 12);
  });

  it('refuses what a tagger does not do, in one line', () => {
    for (const [extra, message] of [
      [['--method', 'ia3'], /--task pos fine-tunes the whole tagger: leave out --method and --teacher/],
      [['--resume'], /--resume does not cover --task pos yet/],
    ] as const) {
      const r = runCli(['finetune', '--checkpoint', pre, '--task', 'pos', '--out', path.join(dir, 'x'), ...extra], env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });
});
