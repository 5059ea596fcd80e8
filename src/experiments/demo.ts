/**
 * `tltc demo`: the whole Train-Large-Then-Compress workflow, small: a tokenizer on the default
 * corpus, three model sizes at the same wall-clock budget, each fine-tuned on `spam` and
 * compressed over a grid, measured through onnxruntime, then the Pareto front, a recommendation
 * and report.html. Every stage's folder is reused when complete, so a second run is quick.
 */
import path from 'node:path';
import { defaultThreads } from '../runtime/session.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { analyzeSweep, type RunCurve, type SweepAnalysis } from './analysis.ts';
import { parseGrid, pointsTable, runDownstream, type DownstreamPoint } from './downstream.ts';
import { compareAllAtEqualBytes, describeEqualBytes, paretoFront, recommend, type EqualBytesComparison } from './pareto.ts';
import { renderReport } from './report.ts';
import { demoPlanner, type DemoPlanner } from './demo_planner.ts';
import { scalingReportSection } from './scaling_report.ts';
import { readCurve, runSweep, type SweepRunResult } from './sweep.ts';
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
  /** The downstream task, and the same fine-tuning steps for every size, as the paper fine-tunes. */
  task: string;
  finetuneBudget: string;
  /** As `tltc downstream --grid` takes it. */
  grid: string;
  pruneBudget: string;
  /** Test examples scored (a fixed random subset); absent: the whole test split. */
  examples?: number;
}

const PLANS: Record<'quick' | 'full', DemoPlan> = {
  quick: {
    models: ['L1-H64', 'L2-H64', 'L2-H128'],
    budget: '8s',
    vocab: 2048,
    seqLen: 64,
    batch: 16,
    task: 'spam',
    finetuneBudget: '200steps',
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
    // spam, not genre: after the demo's 80 s an L6-H384 is nearly untrained, and an untrained
    // one fine-tuned for 25 steps still predicts genre's majority class, while on spam it
    // scores 86.8% against the majority's 67.2% (docs/RESULTS.md, "The demo's task").
    task: 'spam',
    finetuneBudget: '150steps',
    grid: 'fp32,int8,4,4+p50',
    pruneBudget: '15s',
  },
};

/** What every stage of one demo run shares: the plan, where it writes, and where progress goes. */
interface DemoRun {
  plan: DemoPlan;
  out: string;
  threads: number;
  quick?: boolean;
  quiet?: boolean;
  log: (line: string) => void;
}

export async function demo(options: DemoOptions): Promise<DemoResult> {
  const run: DemoRun = {
    plan: PLANS[options.quick ? 'quick' : 'full'],
    out: path.resolve(options.outDir),
    threads: options.threads ?? defaultThreads(),
    quick: options.quick,
    quiet: options.quiet,
    log: (line: string) => options.quiet || process.stderr.write(`${line}\n`),
  };
  const started = Date.now();
  const { runs, curves, analysis } = await pretrainEverySize(run);
  const planner = demoPlanner(path.join(run.out, 'sweep'), run.plan.budget);
  const points = await fineTuneAndCompress(run, runs);
  const equalBytes = compareAllAtEqualBytes(points, run.plan.models);
  const recommendation = recommendationLines(run.plan.budget, analysis, points, equalBytes, planner.lines);
  const report = await writeReportAndResults(run, started, { analysis, curves, points, equalBytes, recommendation, planner });
  const summary = [
    pointsTable(points),
    ...recommendation,
    `report: ${report}`,
  ].join('\n');
  return { report, summary, points, recommendation };
}

/** Stage 1: every size trained for the same wall-clock budget, one seed each. */
async function pretrainEverySize(run: DemoRun): Promise<{ runs: SweepRunResult[]; curves: RunCurve[]; analysis: SweepAnalysis }> {
  const { plan } = run;
  const sweep = parseSweepConfig(
    {
      models: plan.models,
      seeds: [0],
      budget: plan.budget,
      // The default recipe (rate by width, warm-up 5% of the budget, unigram start); one
      // checkpoint per run is all the later stages read.
      base: { data: { corpus: 'default', vocab_size: plan.vocab, seq_len: plan.seqLen }, batch_size: plan.batch, eval: { sequences: 32 }, keep_checkpoints: 1, threads: run.threads },
    },
    'demo',
  );
  const swept = await runSweep(sweep, path.join(run.out, 'sweep'), { quiet: run.quiet, log: run.log });
  const curves: RunCurve[] = swept.runs.map((r) => ({ id: r.id, model: r.model, params: r.params, seed: r.seed, batch_size: r.batch_size, rows: readCurve(r.dir) }));
  return { runs: swept.runs, curves, analysis: analyzeSweep(curves) };
}

/** Stages 2 and 3: fine-tune every size on the plan's task, then compress each over the plan's grid. */
function fineTuneAndCompress(run: DemoRun, runs: SweepRunResult[]): Promise<DemoPoint[]> {
  return runDownstream({
    runs: runs.map((r) => ({ id: r.model, model: r.model, dir: r.dir })),
    outDir: run.out,
    task: run.plan.task,
    grid: parseGrid(run.plan.grid),
    finetuneBudget: run.plan.finetuneBudget,
    finetuneBatch: 16,
    pruneBudget: run.plan.pruneBudget,
    examples: run.plan.examples,
    threads: run.threads,
    quiet: run.quiet,
    log: run.log,
  });
}

/** Stage 4: the size to train, the models to ship under three budgets, the Pareto front, equal bytes. */
function recommendationLines(budget: string, analysis: SweepAnalysis, points: DemoPoint[], equalBytes: EqualBytesComparison[], plannerLines: string[]): string[] {
  const front = paretoFront(points, (p) => p.bytes);
  const best = recommend(points, {});
  const smallest = recommend(points, { maxBytes: Math.min(...points.map((p) => p.bytes)) * 2 });
  const fastest = recommend(points, { maxLatencyMs: Math.min(...points.map((p) => p.latency_ms)) * 1.5 });
  const tied = best ? smallestTiedWith(best, points) : undefined;
  return [
    trainingLine(budget, analysis),
    ...plannerLines,
    best ? `Most accurate deployable model: ${best.id} (${(100 * best.accuracy).toFixed(1)}% test accuracy, ${(best.bytes / 1e6).toFixed(2)} MB, ${best.latency_ms.toFixed(1)} ms at batch 8).` : '',
    tied && tied !== best ? `Smallest file not measurably less accurate (95% intervals overlap): ${tied.id} (${(100 * tied.accuracy).toFixed(1)}%, ${(tied.bytes / 1e6).toFixed(2)} MB).` : '',
    smallest ? `Within twice the smallest file: ${smallest.id} (${(100 * smallest.accuracy).toFixed(1)}%, ${(smallest.bytes / 1e6).toFixed(2)} MB).` : '',
    fastest ? `Within 1.5x the lowest latency: ${fastest.id} (${(100 * fastest.accuracy).toFixed(1)}%, ${fastest.latency_ms.toFixed(1)} ms).` : '',
    `Pareto front by file size: ${front.map((p) => p.id).join(', ')}.`,
    ...describeEqualBytes(equalBytes).split('\n'),
  ].filter(Boolean);
}

/** The smallest file whose accuracy interval overlaps the most accurate one's; of files of equal size, the more accurate. */
export function smallestTiedWith(best: DemoPoint, points: readonly DemoPoint[]): DemoPoint | undefined {
  if (!best.accuracy_95) return undefined;
  const [low] = best.accuracy_95;
  const tied = points.filter((p) => p.accuracy_95 && p.accuracy_95[1] >= low);
  return tied.reduce((a, b) => (b.bytes < a.bytes || (b.bytes === a.bytes && b.accuracy > a.accuracy) ? b : a), best);
}

/** The size with the lowest final validation perplexity at the shared budget, beside every size's. */
function trainingLine(budget: string, analysis: SweepAnalysis): string {
  if (analysis.sizes.length === 0) return 'Training: no run produced a validation curve.';
  const best = analysis.sizes.reduce((a, b) => (b.final_ppl.mean < a.final_ppl.mean ? b : a));
  const all = analysis.sizes.map((s) => `${s.model} ${s.final_ppl.mean.toFixed(1)}`).join(', ');
  return `Training: with ${budget} of training each, ${best.model} reached the lowest validation perplexity (${best.final_ppl.mean.toFixed(1)}; ${all}).`;
}

/** Stage 5: report.html and demo.json (everything the report shows, plus the plan and timing); returns the report's path. */
async function writeReportAndResults(
  run: DemoRun,
  started: number,
  r: { analysis: SweepAnalysis; curves: RunCurve[]; points: DemoPoint[]; equalBytes: EqualBytesComparison[]; recommendation: string[]; planner: DemoPlanner },
): Promise<string> {
  const machine = machineInfo(run.threads);
  const scaling = r.planner.findings && (await scalingReportSection(r.planner.runs, r.planner.findings));
  const html = await renderReport({ title: `tltc demo${run.quick ? ' (quick)' : ''}`, analysis: r.analysis, curves: r.curves, points: r.points, scaling, recommendation: r.recommendation, machine, generated: new Date().toISOString() });
  const report = path.join(run.out, 'report.html');
  writeFileAtomic(report, html);
  const results = { plan: run.plan, analysis: r.analysis, planner: r.planner.findings ?? null, points: r.points, equal_bytes: r.equalBytes, recommendation: r.recommendation, machine, seconds: (Date.now() - started) / 1000 };
  writeFileAtomic(path.join(run.out, 'demo.json'), `${JSON.stringify(results, null, 2)}\n`);
  return report;
}
