import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readBenchSpec } from '../../src/bench/spec.ts';
import { ROOT, runCli, tmpDir } from '../helpers/cli.ts';

describe('tltc bench', () => {
  it('prints the DESIGN §4 JSON line for a spec in the shared schema', () => {
    const spec = {
      name: 'tiny',
      about: 'test',
      model: { vocab_size: 512, max_len: 32, d_model: 64, n_layers: 1, n_heads: 2, d_ff: 128, activation: 'gelu', norm: 'pre', tie_embeddings: true, dropout: 0.1 },
      batch: { batch_size: 4, seq_len: 32, mask_prob: 0.15, loss_on: 'masked positions only' },
      optimizer: { name: 'adamw', lr: 5e-4, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01 },
      threads: 2,
      report: ['tokens_per_s'],
    };
    const file = path.join(tmpDir(), 'tiny.json');
    writeFileSync(file, JSON.stringify(spec));
    const r = runCli(['bench', '--spec', file, '--seconds', '1', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const out = JSON.parse(lines[0]);
    for (const key of ['tokens_per_s', 'step_ms', 'params', 'gflops_per_step', 'mfu']) assert.equal(typeof out[key], 'number', key);
    assert.ok(out.tokens_per_s > 0 && out.mfu > 0 && out.mfu < 1.5);
  });

  it('accepts every reference spec in ../shared/bench', (t) => {
    const shared = path.join(ROOT, '../shared/bench');
    if (!existsSync(shared)) {
      t.skip('../shared/bench is not beside this checkout');
      return;
    }
    for (const f of readdirSync(shared).filter((x) => x.endsWith('.json'))) assert.ok(readBenchSpec(path.join(shared, f)).name);
  });
});
