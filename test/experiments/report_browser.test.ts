import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeSweep, type RunCurve } from '../../src/experiments/analysis.ts';
import { renderReport } from '../../src/experiments/report.ts';
import { CHROMIUM_FLAGS, chromiumSkip, findChromium } from '../helpers/browser.ts';
import { tmpDir } from '../helpers/cli.ts';

/** Made-up curves of three sizes, falling as t^-0.3 towards different floors. */
function curves(): RunCurve[] {
  const sizes = [
    ['L1-H64', 1e5, 900],
    ['L2-H128', 5e5, 700],
    ['L4-H256', 5e6, 500],
  ] as const;
  return sizes.flatMap(([model, params, floor], k) =>
    [0, 1].map((seed) => ({
      id: `${model}-s${seed}`,
      model,
      params,
      seed,
      batch_size: 32,
      rows: Array.from({ length: 8 }, (_, i) => {
        const wall = 10 * (i + 1);
        const ppl = floor + (3000 - floor) * wall ** -0.3 + seed * 5;
        return { step: 20 * (i + 1), wall_s: wall + k, tokens: 0, flops: 1e12 * (i + 1) * (k + 1), train_loss: Math.log(ppl), val_loss: Math.log(ppl), val_ppl: ppl, lr: 1e-3, tokens_per_s: 1000, eval_s: 0.1 };
      }),
    })),
  );
}

describe('report.html in headless Chromium', () => {
  const chromium = findChromium();
  it('opens from disk and renders every plot', { skip: chromiumSkip(chromium) }, async () => {
    assert.ok(chromium, 'CI=true and chromium is missing: .ci/run installs it');
    const c = curves();
    const points = ['L1-H64', 'L2-H128', 'L4-H256'].flatMap((model, k) =>
      ['fp32', 'int8', 'q4'].map((format, j) => ({ id: `${model}-${format}`, model, format, method: format, accuracy: 0.2 + 0.02 * k - 0.005 * j, fp32_accuracy: 0.2 + 0.02 * k, bytes: 1e6 * (k + 1) * 4 ** -j, latency_ms: 5 * (k + 1) / (1 + j), latency_batch1_ms: 1 })),
    );
    const html = await renderReport({ title: 'test report', analysis: analyzeSweep(c), curves: c, points, recommendation: ['Train L4-H256.'], machine: { cpu: 'test' }, generated: 'now' });
    const dir = tmpDir();
    const file = path.join(dir, 'report.html');
    writeFileSync(file, html);
    const flags = [...CHROMIUM_FLAGS, `--user-data-dir=${path.join(dir, 'profile')}`];
    const dom = spawnSync(chromium!, [...flags, '--dump-dom', `file://${file}`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(dom.status, 0, dom.stderr);
    const svgs = dom.stdout.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(svgs.length, 5, 'the browser parsed five plots');
    assert.ok((svgs[0].match(/aria-roledescription="line mark"/g) ?? []).length >= 3, 'one curve per size');
    assert.ok((svgs[3].match(/aria-roledescription="point"/g) ?? []).length >= 9, 'every model a point');
    const png = path.join(dir, 'shot.png');
    const shot = spawnSync(chromium!, [...flags, `--screenshot=${png}`, '--window-size=1200,2400', `file://${file}`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(shot.status, 0, shot.stderr);
    assert.ok(existsSync(png));
    // A blank page compresses to a few kilobytes; drawn axes, curves and tables do not.
    assert.ok(statSync(png).size > 40_000, `screenshot of ${statSync(png).size} bytes`);
  });
});

describe('report.html of translation runs', () => {
  it('adds validation BLEU against wall-clock when the runs logged it, and only then', async () => {
    const plain = curves();
    const translated = plain.map((c) => ({ ...c, rows: c.rows.map((r, i) => ({ ...r, val_bleu: 2 * i + c.seed })) }));
    const render = (c: RunCurve[]) => renderReport({ title: 't', analysis: analyzeSweep(c), curves: c, points: [], recommendation: [], machine: {}, generated: 'now' });
    const [withBleu, without] = await Promise.all([render(translated), render(plain)]);
    const count = (html: string) => (html.match(/<svg/g) ?? []).length;
    assert.ok(withBleu.includes('Validation BLEU against wall-clock'));
    assert.ok(!without.includes('Validation BLEU'));
    assert.equal(count(withBleu), count(without) + 1);
  });
});
