import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mlmParamSpecs } from '../../src/nn/params.ts';
import { listCheckpoints, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { mobyCorpus, runCli, startCli, tmpDir } from '../helpers/cli.ts';

const dir = tmpDir();
const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
const corpus = mobyCorpus(dir, 4);
const config = (extra: Record<string, unknown>) => {
  const file = path.join(dir, `cfg-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      model: { n_layers: 1, d_model: 32, n_heads: 2 },
      data: { corpus, vocab_size: 400, seq_len: 32 },
      batch_size: 8,
      budget: '200steps',
      eval: { interval_s: 0.05, sequences: 8 },
      threads: 2,
      ...extra,
    }),
  );
  return file;
};

describe('faults', () => {
  it('a second process on the same run folder is refused; the first is unharmed', async () => {
    const out = path.join(dir, 'shared-run');
    const cfg = config({ budget: '3000steps' });
    const first = startCli(['train', '--config', cfg, '--out', out, '--quiet'], env);
    let firstErr = '';
    first.stderr!.on('data', (d) => (firstErr += d));
    const firstExit = new Promise<number | null>((r) => first.once('exit', (c) => r(c)));
    while (!existsSync(path.join(out, '.lock'))) await new Promise((r) => setTimeout(r, 20));
    const second = runCli(['train', '--config', cfg, '--out', out, '--resume', '--quiet'], env);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /^tltc: run folder .* is in use by process \d+/);
    assert.equal(await firstExit, 0, firstErr);
    assert.equal(loadCheckpoint(out).config.state.step, 3000);
  });

  it('a non-finite step stops training naming the step and the first non-finite tensor, keeping the last good checkpoint', () => {
    const out = path.join(dir, 'nan');
    const cfg = config({ budget: '40steps' });
    assert.equal(runCli(['train', '--config', cfg, '--out', out, '--quiet'], env).code, 0);
    // Inject a NaN into one weight of a (validly written) checkpoint, then resume from it.
    const ck = loadCheckpoint(out, true);
    const specs = mlmParamSpecs(ck.config.model);
    const params = specs.map((spec) => ({ spec, data: ck.params.get(spec.name)! }));
    params[3].data[5] = Number.NaN;
    const state = { ...ck.config.state };
    saveCheckpoint(out, { model: ck.config.model, train: ck.config.train, state, params, m: specs.map((s) => ck.moments!.m.get(s.name)!), v: specs.map((s) => ck.moments!.v.get(s.name)!), tokenizerJson: ck.tokenizerJson }, 2);
    const r = runCli(['train', '--config', cfg, '--out', out, '--resume', '--budget', '80steps', '--quiet'], env);
    assert.equal(r.code, 1, 'training should have stopped');
    assert.match(r.stderr, new RegExp(`^tltc: training diverged at step ${state.step + 1}: parameter ${specs[3].name.replace(/\./g, '\\.')} is not finite .*Last good checkpoint: `));
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.equal(listCheckpoints(out).at(-1), ck.dir, 'no checkpoint was written after the bad step');
  });

  it('a full disk fails the checkpoint with a clear error and leaves the previous checkpoint intact', (t) => {
    const mnt = path.join(dir, 'small-disk');
    mkdirSync(mnt);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=900k', 'tmpfs', mnt]).status === 0;
    if (!mounted) {
      t.skip('mounting a size-limited tmpfs needs root; not run here');
      return;
    }
    try {
      const out = path.join(mnt, 'run');
      // Checkpoints of this model are ~0.45 MB: one fits in 900 KB, the second one cannot.
      const cfg = config({ model: { n_layers: 1, d_model: 48, n_heads: 2 }, budget: '400steps', eval: { interval_s: 0.05, sequences: 8 } });
      const r = runCli(['train', '--config', cfg, '--out', out, '--quiet'], env);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^tltc: (could not write checkpoint .*: the disk is full; earlier checkpoints are intact|.*the disk is full)/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
      const kept = listCheckpoints(out);
      assert.ok(kept.length >= 1, 'the first checkpoint is still there');
      loadCheckpoint(kept.at(-1)!, true);
      assert.ok(!readdirSync(path.join(out, 'checkpoints')).some((f) => f.startsWith('.tmp-')), 'no temp folder left');
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
