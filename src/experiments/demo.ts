/**
 * `tltc demo`: the whole Train-Large-Then-Compress workflow, small: a tokenizer on the default
 * corpus, three model sizes at the same wall-clock budget, each fine-tuned on `genre` and
 * compressed over a grid, measured through onnxruntime, then the Pareto front, a recommendation
 * and report.html. Every stage's folder is reused when complete, so a second run is quick.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compress, type ReferenceMeasurement } from '../compress/compress.ts';
import { defaultThreads } from '../runtime/session.ts';
import { finetune } from '../train/finetune.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { analyzeSweep, type RunCurve } from './analysis.ts';
import { paretoFront, recommend, type ModelPoint } from './pareto.ts';
import { renderReport } from './report.ts';
import { readCurve, runSweep } from './sweep.ts';
import { parseSweepConfig } from './sweep_config.ts';

export interface DemoOptions {
  outDir: string;
  quick?: boolean;
  threads?: number;
  quiet?: boolean;
}

export interface DemoPoint extends ModelPoint {
  format: string;
  fp32_accuracy: number;
  latency_batch1_ms: number;
}

export interface DemoResult {
  report: string;
  summary: string;
  points: DemoPoint[];
  recommendation: string[];
}

interface DemoPlan {
  models: string[];
  budget: string;
  vocab: number;
  seqLen: number;
  batch: number;
  finetuneBudget: string;
  grid: { name: string; quant: string; prune?: number; budget?: string }[];
  examples: number;
}

const PLANS: Record<'quick' | 'full', DemoPlan> = {
  quick: {
    models: ['L1-H64', 'L2-H64', 'L2-H128'],
    budget: '8s',
    vocab: 2048,
    seqLen: 64,
    batch: 16,
    finetuneBudget: '10s',
    grid: [
      { name: 'fp32', quant: 'fp32' },
      { name: 'int8', quant: 'int8' },
      { name: 'q4', quant: 'int4' },
    ],
    examples: 200,
  },
  full: {
    models: ['L2-H128', 'L4-H256', 'L6-H384'],
    budget: '80s',
    vocab: 8192,
    seqLen: 128,
    batch: 32,
    finetuneBudget: '45s',
    grid: [
      { name: 'fp32', quant: 'fp32' },
      { name: 'int8', quant: 'int8' },
      { name: 'q4', quant: 'int4' },
      { name: 'q4-p50', quant: 'int4', prune: 0.5, budget: '15s' },
    ],
    examples: 300,
  },
};

export async function demo(options: DemoOptions): Promise<DemoResult> {
  const plan = PLANS[options.quick ? 'quick' : 'full'];
  const out = path.resolve(options.outDir);
  const threads = options.threads ?? defaultThreads();
  const log = (line: string) => options.quiet || process.stderr.write(`${line}\n`);
  const started = Date.now();

  // 1. Equal-budget pretraining of every size.
  const sweep = parseSweepConfig(
    {
      models: plan.models,
      seeds: [0],
      budget: plan.budget,
      base: { data: { corpus: 'default', vocab_size: plan.vocab, seq_len: plan.seqLen }, batch_size: plan.batch, optimizer: { lr: 1e-3, warmup_steps: 20 }, eval: { sequences: 32 }, threads },
    },
    'demo',
  );
  const swept = await runSweep(sweep, path.join(out, 'sweep'), { quiet: options.quiet, log });
  const curves: RunCurve[] = swept.runs.map((r) => ({ id: r.id, model: r.model, params: r.params, seed: r.seed, batch_size: r.batch_size, rows: readCurve(r.dir) }));
  const analysis = analyzeSweep(curves);

  // 2. Fine-tune every size on genre; 3. compress each over the grid.
  const points: DemoPoint[] = [];
  for (const run of swept.runs) {
    const ftDir = path.join(out, 'finetune', run.model);
    const ftFile = path.join(ftDir, 'finetune.json');
    if (!existsSync(ftFile)) {
      log(`fine-tuning ${run.model} on genre (${plan.finetuneBudget})`);
      await finetune({ checkpoint: run.dir, task: 'genre', outDir: ftDir, budget: plan.finetuneBudget, lr: 1e-3, batchSize: 16, evalExamples: plan.examples, threads, quiet: options.quiet });
    }
    let reference: ReferenceMeasurement | undefined;
    for (const g of plan.grid) {
      const cDir = path.join(out, 'compress', `${run.model}-${g.name}`);
      const cFile = path.join(cDir, 'compress.json');
      if (!existsSync(cFile)) {
        log(`compressing ${run.model}: ${g.name}`);
        await compress({ checkpoint: ftDir, task: 'genre', quant: g.quant, prune: g.prune, budget: g.budget, outDir: cDir, threads, examples: plan.examples, reference, quiet: options.quiet });
      }
      const c = JSON.parse(readFileSync(cFile, 'utf8')) as { accuracy: number; fp32_accuracy: number; fp32_macro_f1: number; fp32_bytes: number; fp32_latency_ms: { batch1: number; batch8: number }; bytes: number; latency_ms: { batch1: number; batch8: number }; method: string };
      // Every grid point of a size is compared with the same fp32 measurement, taken once.
      reference ??= { accuracy: c.fp32_accuracy, macro_f1: c.fp32_macro_f1, bytes: c.fp32_bytes, latency_ms: c.fp32_latency_ms };
      points.push({ id: `${run.model}-${g.name}`, model: run.model, format: g.name, method: c.method, accuracy: c.accuracy, fp32_accuracy: c.fp32_accuracy, bytes: c.bytes, latency_ms: c.latency_ms.batch8, latency_batch1_ms: c.latency_ms.batch1 });
    }
  }

  // 4. Pareto front and recommendations.
  const front = paretoFront(points, (p) => p.bytes);
  const best = recommend(points, {});
  const smallest = recommend(points, { maxBytes: Math.min(...points.map((p) => p.bytes)) * 2 });
  const fastest = recommend(points, { maxLatencyMs: Math.min(...points.map((p) => p.latency_ms)) * 1.5 });
  const bestSize = analysis.sizes.length > 0 ? analysis.sizes.reduce((a, b) => (b.final_ppl.mean < a.final_ppl.mean ? b : a)) : undefined;
  const recommendation = [
    bestSize
      ? `Training: with ${plan.budget} of training each, ${bestSize.model} reached the lowest validation perplexity (${bestSize.final_ppl.mean.toFixed(1)}; ${analysis.sizes.map((s) => `${s.model} ${s.final_ppl.mean.toFixed(1)}`).join(', ')}).`
      : 'Training: no run produced a validation curve.',
    best ? `Most accurate deployable model: ${best.id} (${(100 * best.accuracy).toFixed(1)}% test accuracy, ${(best.bytes / 1e6).toFixed(2)} MB, ${best.latency_ms.toFixed(1)} ms at batch 8).` : '',
    smallest ? `Within twice the smallest file: ${smallest.id} (${(100 * smallest.accuracy).toFixed(1)}%, ${(smallest.bytes / 1e6).toFixed(2)} MB).` : '',
    fastest ? `Within 1.5x the lowest latency: ${fastest.id} (${(100 * fastest.accuracy).toFixed(1)}%, ${fastest.latency_ms.toFixed(1)} ms).` : '',
    `Pareto front by file size: ${front.map((p) => p.id).join(', ')}.`,
  ].filter(Boolean);

  // 5. Report, results and summary.
  const machine = machineInfo(threads);
  const html = await renderReport({ title: `tltc demo${options.quick ? ' (quick)' : ''}`, analysis, curves, points, recommendation, machine, generated: new Date().toISOString() });
  const report = path.join(out, 'report.html');
  writeFileAtomic(report, html);
  writeFileAtomic(path.join(out, 'demo.json'), `${JSON.stringify({ plan, analysis, points, recommendation, machine, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
  const pad = (s: string, n: number) => s.padEnd(n);
  const summary = [
    `${pad('model', 10)} ${pad('format', 8)} ${pad('accuracy', 9)} ${pad('MB', 7)} ${pad('ms b8', 7)}`,
    ...points.map((p) => `${pad(p.model, 10)} ${pad(p.format, 8)} ${pad((100 * p.accuracy).toFixed(1) + '%', 9)} ${pad((p.bytes / 1e6).toFixed(2), 7)} ${pad(p.latency_ms.toFixed(1), 7)}${front.includes(p) ? ' *' : ''}`),
    '(* on the Pareto front of accuracy against file size)',
    ...recommendation,
    `report: ${report}`,
  ].join('\n');
  return { report, summary, points, recommendation };
}
