/**
 * `tltc plan`: reads a folder of sweep runs and compressed models (as `tltc demo` or `tltc sweep`
 * plus `tltc compress` leave them) and recommends the size to train for a training budget and
 * the model to ship for an inference budget, from the measured numbers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseBudget } from '../train/budget.ts';
import { defaultThreads } from '../runtime/session.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { analyzeBatchSizes, analyzeSweep, interpolate, type BatchSizeStudy, type RunCurve, type SweepAnalysis } from './analysis.ts';
import { compareAllAtEqualBytes, describeEqualBytes, paretoFront, recommend, type EqualBytesComparison, type InferenceLimits } from './pareto.ts';
import { renderReport, type ReportPoint } from './report.ts';
import { readCurve, type SweepSummary } from './sweep.ts';

export interface PlanOptions {
  dir: string;
  trainBudget?: string;
  limits: InferenceLimits;
  /** Also write report.html (plots and tables) for the folder here. */
  report?: string;
}

function findFiles(dir: string, name: string, depth = 3): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name === name) found.push(path.join(dir, e.name));
    else if (e.isDirectory()) found.push(...findFiles(path.join(dir, e.name), name, depth - 1));
  }
  return found;
}

/** What the sweep's runs show: their curves, the analysis of them, and any batch-size study. */
interface SweepFindings {
  curves: RunCurve[];
  analysis: SweepAnalysis;
  batchSizes: BatchSizeStudy[];
}

/** One compressed model as its compress.json records it. */
interface CompressRecord {
  accuracy: number;
  accuracy_95?: [number, number];
  predicted_classes?: number;
  baselines?: { majority: { accuracy: number }; bag_of_words: { accuracy: number; accuracy_95?: [number, number] } };
  fp32_accuracy: number;
  bytes: number;
  latency_ms: { batch1: number; batch8: number };
  method: string;
  model?: string;
  fp32_params?: number;
  quantization?: { format?: { kind: string } };
}

export async function plan(options: PlanOptions): Promise<Record<string, unknown>> {
  const dir = path.resolve(options.dir);
  const { sweeps, compressed } = findResults(dir);
  const result: Record<string, unknown> = { dir };
  let sweep: SweepFindings | undefined;
  let points: ReportPoint[] = [];

  if (sweeps.length > 0) {
    sweep = readSweep(sweeps[0]);
    result.sweep = { sizes: sweep.analysis.sizes.map(({ curve: _curve, ...s }) => s), larger_wins: sweep.analysis.larger_wins };
    if (sweep.batchSizes.length > 0) result.batch_sizes = sweep.batchSizes;
    if (options.trainBudget) result.train_recommendation = trainRecommendation(sweep.analysis, options.trainBudget);
  }

  if (compressed.length > 0) {
    const read = readCompressed(compressed);
    points = read.points;
    Object.assign(result, inferenceFindings(points, read.models, options.limits));
  }
  if (options.report) result.report = await writePlanReport(options.report, dir, result, sweep, points);
  return result;
}

/** The sweep.json and compress.json files under `dir`; refuses a folder that holds neither. */
function findResults(dir: string): { sweeps: string[]; compressed: string[] } {
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: point --dir at a tltc demo or sweep output folder`);
  const sweeps = findFiles(dir, 'sweep.json', 2);
  const compressed = findFiles(dir, 'compress.json', 3);
  if (sweeps.length === 0 && compressed.length === 0) throw new Error(`${dir} holds no sweep.json or compress.json: run tltc sweep, tltc compress or tltc demo first`);
  return { sweeps, compressed };
}

/** The sweep's curves and their analysis, against the sweep file's target perplexity where it sets one. */
function readSweep(sweepFile: string): SweepFindings {
  const summary = JSON.parse(readFileSync(sweepFile, 'utf8')) as SweepSummary;
  // Run folders are stored relative to sweep.json (absolute in older files).
  const curves = summary.runs.map((r) => ({ id: r.id, model: r.model, params: r.params, seed: r.seed, batch_size: r.batch_size, rows: readCurve(path.resolve(path.dirname(sweepFile), r.dir)) }));
  const analysis = analyzeSweep(curves, summary.sweep.target_ppl);
  return { curves, analysis, batchSizes: analyzeBatchSizes(curves, analysis.target_ppl) };
}

/** The size with the lowest perplexity at the budget, read off each size's measured curve. */
function trainRecommendation(analysis: SweepAnalysis, trainBudget: string): Record<string, unknown> {
  const b = parseBudget(trainBudget);
  if (b.kind !== 'seconds') throw new Error('--train-budget must be wall-clock (e.g. 90s or 5m): the sweep compares sizes at equal time');
  const at = analysis.sizes.flatMap((s) => {
    const ppl = interpolate(
      s.curve.map((p) => p.wall_s),
      s.curve.map((p) => p.ppl),
      b.value,
    );
    return ppl === undefined ? [] : [{ model: s.model, ppl }];
  });
  return at.length > 0
    ? { budget_s: b.value, model: at.reduce((x, y) => (y.ppl < x.ppl ? y : x)).model, measured: at }
    : { budget_s: b.value, model: null, reason: 'the budget is outside the measured wall-clock range of the sweep' };
}

/** The baselines a compress.json records, as report points carry them. */
function baselinesOf(c: CompressRecord): Pick<ReportPoint, 'baselines'> {
  if (!c.baselines) return {};
  const bow = c.baselines.bag_of_words;
  return { baselines: { majority: c.baselines.majority.accuracy, bag_of_words: bow.accuracy, ...(bow.accuracy_95 ? { bag_of_words_95: bow.accuracy_95 } : {}) } };
}

/** Every compressed model as a report point (named by its folder), and the models from smallest to largest. */
function readCompressed(files: string[]): { points: ReportPoint[]; models: string[] } {
  const sizeOf = new Map<string, number>();
  const points = files.map((f) => {
    const c = JSON.parse(readFileSync(f, 'utf8')) as CompressRecord;
    const id = path.basename(path.dirname(f));
    const model = c.model ?? '?';
    sizeOf.set(model, c.fp32_params ?? 0);
    return { id, model, format: c.quantization?.format?.kind ?? id, method: c.method, accuracy: c.accuracy, ...(c.accuracy_95 ? { accuracy_95: c.accuracy_95, predicted_classes: c.predicted_classes } : {}), ...baselinesOf(c), fp32_accuracy: c.fp32_accuracy, bytes: c.bytes, latency_ms: c.latency_ms.batch8, latency_batch1_ms: c.latency_ms.batch1 };
  });
  const models = [...sizeOf.keys()].sort((a, b) => sizeOf.get(a)! - sizeOf.get(b)!);
  return { points, models };
}

/** The plan's inference fields, in output order: equal bytes (two sizes or more), both Pareto fronts, the pick within the limits. */
function inferenceFindings(points: ReportPoint[], models: string[], limits: InferenceLimits): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  if (models.length >= 2) found.equal_bytes = compareAllAtEqualBytes(points, models);
  found.pareto_bytes = paretoFront(points, (p) => p.bytes).map((p) => p.id);
  found.pareto_latency = paretoFront(points, (p) => p.latency_ms).map((p) => p.id);
  found.inference_recommendation = recommend(points, limits) ?? { model: null, reason: 'no compressed model fits the limits' };
  return found;
}

/** report.html for the folder, its recommendation section being the plan's own; returns the written path. */
async function writePlanReport(file: string, dir: string, result: Record<string, unknown>, sweep: SweepFindings | undefined, points: ReportPoint[]): Promise<string> {
  const recommendation = [result.train_recommendation, result.inference_recommendation].filter(Boolean).map((r) => JSON.stringify(r));
  if (result.equal_bytes) recommendation.push(...describeEqualBytes(result.equal_bytes as EqualBytesComparison[]).split('\n'));
  const html = await renderReport({
    title: `tltc report: ${path.basename(dir)}`,
    analysis: sweep?.analysis ?? analyzeSweep([]),
    curves: sweep?.curves ?? [],
    points,
    batchSizes: sweep?.batchSizes ?? [],
    recommendation,
    machine: machineInfo(defaultThreads()),
    generated: new Date().toISOString(),
  });
  writeFileAtomic(path.resolve(file), html);
  return path.resolve(file);
}
