import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mobyCorpus, runCli, tmpDir } from '../helpers/cli.ts';

describe('determinism', () => {
  it('the same config trained twice on 2 threads ends bit-identical, and equal to 1 thread, with tokens repeating in every batch', () => {
    const dir = tmpDir();
    const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
    // A small vocabulary over real text: frequent tokens repeat dozens of times per batch, where a
    // scatter-add that races across threads would drop some of their gradient.
    const config = (threads: number) => ({
      model: { n_layers: 1, d_model: 64, n_heads: 2 },
      data: { corpus: mobyCorpus(dir, 12), vocab_size: 300, seq_len: 128 },
      batch_size: 32,
      budget: '12steps',
      eval: { evaluations: 1, sequences: 32 },
      seed: 5,
      threads,
    });
    const weights = (name: string, threads: number) => {
      const cfg = path.join(dir, `${name}.json`);
      writeFileSync(cfg, JSON.stringify(config(threads)));
      const r = runCli(['train', '--config', cfg, '--out', path.join(dir, name), '--quiet', '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      return readFileSync(path.join(JSON.parse(r.stdout.trim()).checkpoint, 'model.safetensors'));
    };
    const first = weights('a', 2);
    assert.ok(first.equals(weights('b', 2)), 'two runs on 2 threads differ');
    assert.ok(first.equals(weights('c', 1)), 'a run on 2 threads differs from one on 1 thread');
  });
});
