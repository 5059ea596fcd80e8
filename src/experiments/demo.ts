/**
 * `tltc demo`: the whole Train-Large-Then-Compress workflow, small: a tokenizer on the default
 * corpus, three model sizes at the same wall-clock budget, each fine-tuned on `genre` and
 * compressed over a grid, measured through onnxruntime, then the Pareto front, a recommendation
 * and report.html. Every stage's folder is reused when complete, so a second run is quick.
 */
import path from 'node:path';
import { defaultThreads } from '../runtime/session.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { analyzeSweep, type RunCurve } from './analysis.ts';
import { parseGrid, pointsTable, runDownstream, type DownstreamPoint } from './downstream.ts';
import { compareAllAtEqualBytes, describeEqualBytes, paretoFront, recommend } from './pareto.ts';
import { renderReport } from './report.ts';
import { readCurve, runSweep } from './sweep.ts';
import { parseSweepConfig } from './sweep_config.ts';

export interface DemoOptions {
  outDir: string;
  quick?: boolean;
  threads?: number;
  quiet?: boolean;
}

export type DemoPoint = DownstreamPoint;

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
  /** As `tltc downstream --grid` takes it. */
  grid: string;
  pruneBudget: string;
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
    grid: 'fp32,int8,4',
    pruneBudget: '5s',
    examples: 200,
  },
  full: {
    models: ['L2-H128', 'L4-H256', 'L6-H384'],
    budget: '80s',
    vocab: 8192,
    seqLen: 128,
    batch: 32,
    finetuneBudget: '45s',
    grid: 'fp32,int8,4,4+p50',
    pruneBudget: '15s',
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
  const points: DemoPoint[] = await runDownstream({
    runs: swept.runs.map((r) => ({ id: r.model, model: r.model, dir: r.dir })),
    outDir: out,
    task: 'genre',
    grid: parseGrid(plan.grid),
    finetuneBudget: plan.finetuneBudget,
    finetuneLr: 1e-3,
    finetuneBatch: 16,
    pruneBudget: plan.pruneBudget,
    examples: plan.examples,
    threads,
    quiet: options.quiet,
    log,
  });
  const equalBytes = compareAllAtEqualBytes(points, plan.models);

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
    ...describeEqualBytes(equalBytes).split('\n'),
  ].filter(Boolean);

  // 5. Report, results and summary.
  const machine = machineInfo(threads);
  const html = await renderReport({ title: `tltc demo${options.quick ? ' (quick)' : ''}`, analysis, curves, points, recommendation, machine, generated: new Date().toISOString() });
  const report = path.join(out, 'report.html');
  writeFileAtomic(report, html);
  writeFileAtomic(path.join(out, 'demo.json'), `${JSON.stringify({ plan, analysis, points, equal_bytes: equalBytes, recommendation, machine, seconds: (Date.now() - started) / 1000 }, null, 2)}\n`);
  const summary = [
    pointsTable(points),
    ...recommendation,
    `report: ${report}`,
  ].join('\n');
  return { report, summary, points, recommendation };
}
