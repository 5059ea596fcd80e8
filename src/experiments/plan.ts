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

export async function plan(options: PlanOptions): Promise<Record<string, unknown>> {
  const dir = path.resolve(options.dir);
  if (!existsSync(dir)) throw new Error(`${dir} does not exist: point --dir at a tltc demo or sweep output folder`);
  const sweeps = findFiles(dir, 'sweep.json', 2);
  const compressed = findFiles(dir, 'compress.json', 3);
  if (sweeps.length === 0 && compressed.length === 0) throw new Error(`${dir} holds no sweep.json or compress.json: run tltc sweep, tltc compress or tltc demo first`);
  const result: Record<string, unknown> = { dir };
  let curves: RunCurve[] = [];
  let analysis: SweepAnalysis | undefined;
  let points: ReportPoint[] = [];
  let batchSizes: BatchSizeStudy[] = [];

  if (sweeps.length > 0) {
    const summary = JSON.parse(readFileSync(sweeps[0], 'utf8')) as SweepSummary;
    // Run folders are stored relative to sweep.json (absolute in older files).
    curves = summary.runs.map((r) => ({ id: r.id, model: r.model, params: r.params, seed: r.seed, batch_size: r.batch_size, rows: readCurve(path.resolve(path.dirname(sweeps[0]), r.dir)) }));
    analysis = analyzeSweep(curves, summary.sweep.target_ppl);
    result.sweep = { sizes: analysis.sizes.map(({ curve: _curve, ...s }) => s), larger_wins: analysis.larger_wins };
    batchSizes = analyzeBatchSizes(curves, analysis.target_ppl);
    if (batchSizes.length > 0) result.batch_sizes = batchSizes;
    if (options.trainBudget) {
      const b = parseBudget(options.trainBudget);
      if (b.kind !== 'seconds') throw new Error('--train-budget must be wall-clock (e.g. 90s or 5m): the sweep compares sizes at equal time');
      const at = analysis.sizes.flatMap((s) => {
        const ppl = interpolate(
          s.curve.map((p) => p.wall_s),
          s.curve.map((p) => p.ppl),
          b.value,
        );
        return ppl === undefined ? [] : [{ model: s.model, ppl }];
      });
      result.train_recommendation =
        at.length > 0
          ? { budget_s: b.value, model: at.reduce((x, y) => (y.ppl < x.ppl ? y : x)).model, measured: at }
          : { budget_s: b.value, model: null, reason: 'the budget is outside the measured wall-clock range of the sweep' };
    }
  }

  if (compressed.length > 0) {
    const sizeOf = new Map<string, number>();
    points = compressed.map((f) => {
      const c = JSON.parse(readFileSync(f, 'utf8')) as { accuracy: number; fp32_accuracy: number; bytes: number; latency_ms: { batch1: number; batch8: number }; method: string; model?: string; fp32_params?: number; quantization?: { format?: { kind: string } } };
      const id = path.basename(path.dirname(f));
      const model = c.model ?? '?';
      sizeOf.set(model, c.fp32_params ?? 0);
      return { id, model, format: c.quantization?.format?.kind ?? id, method: c.method, accuracy: c.accuracy, fp32_accuracy: c.fp32_accuracy, bytes: c.bytes, latency_ms: c.latency_ms.batch8, latency_batch1_ms: c.latency_ms.batch1 };
    });
    const models = [...sizeOf.keys()].sort((a, b) => sizeOf.get(a)! - sizeOf.get(b)!);
    if (models.length >= 2) result.equal_bytes = compareAllAtEqualBytes(points, models);
    result.pareto_bytes = paretoFront(points, (p) => p.bytes).map((p) => p.id);
    result.pareto_latency = paretoFront(points, (p) => p.latency_ms).map((p) => p.id);
    const pick = recommend(points, options.limits);
    result.inference_recommendation = pick ?? { model: null, reason: 'no compressed model fits the limits' };
  }
  if (options.report) {
    const recommendation = [result.train_recommendation, result.inference_recommendation].filter(Boolean).map((r) => JSON.stringify(r));
    if (result.equal_bytes) recommendation.push(...describeEqualBytes(result.equal_bytes as EqualBytesComparison[]).split('\n'));
    const html = await renderReport({ title: `tltc report: ${path.basename(dir)}`, analysis: analysis ?? analyzeSweep([]), curves, points, batchSizes, recommendation, machine: machineInfo(defaultThreads()), generated: new Date().toISOString() });
    writeFileAtomic(path.resolve(options.report), html);
    result.report = path.resolve(options.report);
  }
  return result;
}
