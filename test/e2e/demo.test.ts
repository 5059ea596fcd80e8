import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tmpDir } from '../helpers/cli.ts';

describe('tltc demo --quick', () => {
  it('runs the whole workflow on the default data and ends with a report, a Pareto front and a recommendation', () => {
    const dir = tmpDir();
    const out = path.join(dir, 'demo');
    const r = runCli(['demo', '--quick', '--out', out, '--threads', '2', '--quiet'], { TLTC_CACHE_DIR: path.join(dir, 'cache') }, 900_000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings from quiet mode');
    assert.match(r.stdout, /Most accurate deployable model: L\d-H\d+-\w+/);
    assert.match(r.stdout, /Pareto front by file size: /);
    assert.match(r.stdout, /baselines on the same examples: majority class \d+\.\d%; bag of words \(TF-IDF \+ logistic regression\) \d+\.\d% \(\d/);
    assert.match(r.stdout, /95% interval/);
    // The planner's answer beside the measured one, from a scaling law fitted on the demo's three runs.
    assert.match(r.stdout, /Planner \(a scaling law fitted on these 3 runs, held-out error \d+\.\d%\): at 8s it predicts L\d-H\d+ best\./);
    assert.match(r.stdout, /It would recommend the next size up, L\d-H\d+, from .+ of training on this machine|It predicts no larger size becomes the best/);
    assert.match(r.stdout, new RegExp(`report: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/report.html`));

    const result = JSON.parse(readFileSync(path.join(out, 'demo.json'), 'utf8'));
    assert.equal(result.analysis.sizes.length, 3);
    assert.ok(Number.isFinite(result.planner.fit.E) && result.planner.crossovers.length === 3, JSON.stringify(result.planner));
    assert.equal(result.points.length, 9);
    for (const p of result.points) assert.ok(p.bytes > 0 && p.latency_ms > 0 && p.accuracy >= 0 && p.accuracy <= 1, JSON.stringify(p));
    for (const p of result.points) assert.ok(p.accuracy_95[0] <= p.accuracy && p.accuracy <= p.accuracy_95[1] && p.predicted_classes >= 1 && p.baselines.majority > 0, JSON.stringify(p));
    // Quantized files are smaller than their fp32 source.
    for (const m of ['L1-H64', 'L2-H64', 'L2-H128']) {
      const of = (f: string) => result.points.find((p: { id: string }) => p.id === `${m}-${f}`).bytes;
      assert.ok(of('q4') < of('int8') && of('int8') < of('fp32'), m);
    }

    // A size's grid points share one fp32 reference file on disk.
    const reference = (g: string) => statSync(path.join(out, 'compress', `L2-H128-${g}`, 'reference', 'model.onnx'));
    assert.equal(reference('int8').ino, reference('fp32').ino);
    assert.equal(reference('q4').ino, reference('fp32').ino);

    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    assert.equal(svgs.length, 6, 'six plots: three training curves, the scaling law, two Pareto fronts');
    // The wall-clock plot: one line per model size, each with points.
    const curvePlot = svgs[0];
    for (const m of ['L1-H64', 'L2-H64', 'L2-H128']) assert.ok(curvePlot.includes(`>${m}</text>`), `legend names ${m}`);
    const lines = curvePlot.match(/aria-roledescription="line mark" d="M[\d.,]+L[^"]+"/g) ?? [];
    assert.ok(lines.length >= 3, `${lines.length} drawn curves`);
    // The Pareto plots: nine model points plus the front's markers, and the front's line.
    for (const plot of svgs.slice(4)) {
      const points = plot.match(/aria-roledescription="point"/g) ?? [];
      assert.ok(points.length >= 10, `${points.length} points`);
      assert.ok(plot.includes('stroke-dasharray="4,3"'), 'the front is drawn');
    }
    assert.ok(!/<script/i.test(html), 'no scripts: it opens from disk as it is');
    assert.match(html, /Baselines on the same test examples: majority class \d+\.\d%; bag of words/);
    assert.match(html, /<th>95% interval<\/th><th>classes predicted<\/th>/);
  });
});
