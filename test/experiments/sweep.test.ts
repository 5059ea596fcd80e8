import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
    const planned = runCli(['plan', '--dir', out, '--report', report, '--json'], env);
    assert.equal(planned.code, 0, planned.stderr);
    const p = JSON.parse(planned.stdout);
    assert.equal(p.sweep.sizes.length, 3);
    assert.ok(['yes', 'no'].includes(p.sweep.larger_wins.answer));
    // A sweep alone: the three curve plots and, where the runs evaluated often enough for a fit, the scaling law; no Pareto plots.
    assert.ok(p.fit === null ? /evaluations/.test(p.fit_reason) : Number.isFinite(p.fit.E), JSON.stringify(p.fit ?? p.fit_reason));
    const html = readFileSync(report, 'utf8');
    assert.equal((html.match(/<svg/g) ?? []).length, p.fit ? 4 : 3);
    assert.ok(!html.includes('Pareto'));
  });

  it('downstream fine-tunes and compresses every size of the sweep, resumes, and answers the equal-bytes question', () => {
    const ds = path.join(dir, 'downstream');
    const args = ['downstream', '--sweep', out, '--out', ds, '--task', 'genre', '--grid', 'fp32,4+p50', '--finetune-budget', '8steps', '--prune-budget', '4steps', '--examples', '40', '--threads', '1', '--quiet'];
    const first = runCli(args, env);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(readFileSync(path.join(ds, 'downstream.json'), 'utf8'));
    assert.deepEqual(
      summary.points.map((p: { id: string }) => p.id),
      ['L1-H32-fp32', 'L1-H32-q4-p50', 'L1-H64-fp32', 'L1-H64-q4-p50', 'L2-H64-fp32', 'L2-H64-q4-p50'],
    );
    for (const p of summary.points) assert.ok(p.accuracy >= 0 && p.accuracy <= 1 && p.bytes > 0 && p.latency_ms > 0, JSON.stringify(p));
    const pruned = summary.points.find((p: { id: string }) => p.id === 'L2-H64-q4-p50');
    assert.ok(Math.abs(pruned.sparsity - 0.5) < 0.01, `sparsity ${pruned.sparsity}`);
    assert.deepEqual(
      summary.equal_bytes.map((c: { large_model: string; small_model: string }) => `${c.large_model}>${c.small_model}`),
      ['L1-H64>L1-H32', 'L2-H64>L1-H32', 'L2-H64>L1-H64'],
    );
    assert.match(first.stdout, /At equal bytes/);
    // Run again: every folder is complete, so nothing is trained or measured again.
    const compressJson = path.join(ds, 'compress', 'L1-H64-q4-p50', 'compress.json');
    const before = readFileSync(compressJson, 'utf8');
    const again = runCli(args, env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(compressJson, 'utf8'), before);
    assert.equal(again.stdout, first.stdout);
    const planned = JSON.parse(runCli(['plan', '--dir', ds, '--json'], env).stdout);
    assert.deepEqual(planned.equal_bytes, summary.equal_bytes);
    const badGrid = runCli([...args.slice(0, 7), '--grid', '4+p120'], env);
    assert.equal(badGrid.code, 1);
    assert.match(badGrid.stderr, /^tltc: --grid entry "4\+p120": the pruning percentage must be between 0 and 100\n$/);
    // A sweep.json edited to name a run "../../escape" cannot make downstream write outside --out.
    const hostile = path.join(dir, 'hostile');
    mkdirSync(hostile);
    const edited = JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8'));
    edited.runs[0].model = '../../escape';
    writeFileSync(path.join(hostile, 'sweep.json'), JSON.stringify(edited));
    const escape = runCli(['downstream', '--sweep', hostile, '--out', path.join(dir, 'ds2'), '--grid', 'fp32'], env);
    assert.equal(escape.code, 1);
    assert.match(escape.stderr, /^tltc: .*sweep\.json: model "\.\.\/\.\.\/escape" is not a safe folder name/);
    assert.ok(!existsSync(path.join(dir, 'ds2')) && !existsSync(path.join(dir, '..', 'escape')));
    const noSweep = runCli(['downstream', '--sweep', path.join(dir, 'nothing'), '--out', ds], env);
    assert.match(noSweep.stderr, /sweep.json does not exist: point --sweep at a tltc sweep output folder/);
  });

  it('downstream takes the user\'s own file task: a numeric target is fine-tuned, compressed and scored by Pearson\'s r', () => {
    const words = ['whale', 'ship', 'sea', 'barn', 'field', 'wheat'];
    const rows = Array.from({ length: 90 }, (_, i) => ({ text: `The ${words[i % 6]} was near the ${words[(i * 5) % 6]}.`, score: (i % 6 < 3 ? 4 : 1) + (i % 4) / 10 }));
    const file = path.join(dir, 'ratings.jsonl');
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ds = path.join(dir, 'downstream-file');
    const r = runCli(['downstream', '--sweep', out, '--out', ds, '--task', file, '--label-column', 'score', '--grid', 'fp32,4+p50', '--finetune-budget', '6steps', '--prune-budget', '3steps', '--threads', '1', '--quiet'], env);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(readFileSync(path.join(ds, 'downstream.json'), 'utf8'));
    assert.equal(summary.points.length, 6);
    for (const p of summary.points) assert.ok(p.metric === 'pearson' && p.accuracy >= -1 && p.accuracy <= 1 && p.classes === undefined, JSON.stringify(p));
    const c = JSON.parse(readFileSync(path.join(ds, 'compress', 'L1-H64-q4-p50', 'compress.json'), 'utf8'));
    assert.equal(c.metric, 'pearson');
    assert.equal(c.accuracy, c.pearson);
    assert.ok(Number.isFinite(c.mse) && Number.isFinite(c.fp32_mse) && Number.isFinite(c.baselines.mean.mse), JSON.stringify(c));
    const ft = JSON.parse(readFileSync(path.join(ds, 'finetune', 'L1-H64', 'finetune.json'), 'utf8'));
    assert.ok(Math.abs(c.fp32_pearson - ft.test.pearson) < 1e-4, 'the reference file scores as the fine-tuned checkpoint did');
    assert.match(r.stdout, /pearson r/);
    const report = path.join(dir, 'downstream-file.html');
    const planned = runCli(['plan', '--dir', ds, '--report', report, '--json'], env);
    assert.equal(planned.code, 0, planned.stderr);
    assert.match(readFileSync(report, 'utf8'), /Pearson&#39;s r against file size|Pearson's r against file size/);
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
