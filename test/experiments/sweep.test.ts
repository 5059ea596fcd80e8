import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { mobyCorpus, runCli, startCli, tmpDir } from '../helpers/cli.ts';

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('tltc sweep and plan', () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const file = path.join(dir, 'sweep.json');
  writeFileSync(
    file,
    JSON.stringify({
      models: ['L1-H32', 'L1-H64', 'L2-H64'],
      seeds: [0],
      budget: '60steps',
      base: { data: { corpus: mobyCorpus(dir, 4), vocab_size: 512, seq_len: 32 }, batch_size: 8, eval: { sequences: 8, interval_s: 0.5 }, threads: 1 },
    }),
  );
  const out = path.join(dir, 'out');

  it('an interrupted sweep, run again, trains only the missing runs, and plan reads the result', async () => {
    const child = startCli(['sweep', '--config', file, '--out', out, '--quiet'], env);
    const firstDone = path.join(out, 'runs', 'L1-H32-b8-s0', 'summary.json');
    await waitFor(() => existsSync(firstDone), 120_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const before = readFileSync(firstDone, 'utf8');
    const again = runCli(['sweep', '--config', file, '--out', out, '--quiet'], env);
    assert.equal(again.code, 0, again.stderr);
    const runs = JSON.parse(again.stdout.trim()).runs as { id: string; status: string; val_ppl: number }[];
    assert.deepEqual(
      runs.map((r) => [r.id, r.status]),
      [
        ['L1-H32-b8-s0', 'skipped'],
        ['L1-H64-b8-s0', 'trained'],
        ['L2-H64-b8-s0', 'trained'],
      ],
    );
    assert.equal(readFileSync(firstDone, 'utf8'), before, 'the completed run was not touched');
    assert.ok(runs.every((r) => Number.isFinite(r.val_ppl)));
    const summary = JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8'));
    assert.equal(summary.runs.length, 3);

    const report = path.join(dir, 'sweep-report.html');
    const planned = runCli(['plan', '--dir', out, '--report', report], env);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(planned.stdout);
    assert.equal(p.sweep.sizes.length, 3);
    assert.ok(['yes', 'no'].includes(p.sweep.larger_wins.answer));
    // A sweep alone: the three curve plots, no Pareto plots.
    const html = readFileSync(report, 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length, 3);
    assert.ok(!html.includes('Pareto'));
  });

  it('refuses bad sweep files with one line', () => {
    const cases: [unknown, RegExp][] = [
      [{ models: [] }, /models: Too small/i],
      [{ models: ['L2-H100-A3'] }, /n_heads 3 must divide d_model 100/],
      [{ models: ['big'] }, /must be L\{layers\}-H\{width\}/],
      [{ models: ['L1-H64'], budget: '0s' }, /budget/],
      [{ models: ['L1-H64'], seeds: [-1] }, /seeds/],
      [{ models: ['L1-H64'], base: { seed: 3 } }, /base.seed is set by the sweep itself/],
      [{ models: ['L1-H64'], base: { batch_size: 0 } }, /batch_size/],
      [{ models: ['L1-H64'], colour: 'red' }, /colour|Unrecognized/i],
    ];
    for (const [raw, message] of cases) {
      const f = path.join(dir, 'bad.json');
      writeFileSync(f, JSON.stringify(raw));
      const r = runCli(['sweep', '--config', f, '--out', path.join(dir, 'bad-out')], env);
      assert.equal(r.code, 1, JSON.stringify(raw));
      assert.match(r.stderr, message, JSON.stringify(raw));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    writeFileSync(path.join(dir, 'broken.json'), '{"models": [');
    const broken = runCli(['sweep', '--config', path.join(dir, 'broken.json'), '--out', path.join(dir, 'bad-out')], env);
    assert.match(broken.stderr, /^tltc: sweep file .* is not valid JSON/);
    assert.ok(!existsSync(path.join(dir, 'bad-out')));
    const noDir = runCli(['plan', '--dir', path.join(dir, 'nothing')], env);
    assert.match(noDir.stderr, /does not exist/);
  });
});
