/**
 * The downstream stage of the workflow: every pretrained checkpoint of a sweep fine-tuned on a
 * task at the same wall-clock budget, then compressed over a grid of weight formats and pruning
 * levels, each measured through onnxruntime. Completed folders are reused, so an interrupted
 * grid resumes where it stopped.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pooling } from '../nn/config.ts';
import type { Baselines } from '../train/bow_baseline.ts';
import { compress, type ReferenceMeasurement } from '../pipeline/compress.ts';
import { formatFile, parseWeightFormat } from '../export/weight_format.ts';
import { checkTask, resolveTask, type TaskColumns } from '../data/task_source.ts';
import { collapseWarning } from '../pipeline/classifier_steps.ts';
import { finetuneAny } from '../pipeline/finetune_regression.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { assertSafeName } from '../util/safe_name.ts';
import { compareAllAtEqualBytes, paretoFront, type EqualBytesComparison, type ModelPoint } from './pareto.ts';
import type { SweepSummary } from './sweep.ts';

export interface GridPoint {
  /** Folder and table name: fp32, int8, q4, q4-p50, ... */
  name: string;
  quant: string;
  /** Gradual magnitude pruning to this sparsity, with recovery training. */
  prune?: number;
}

/**
 * `fp32,int8,6,4,3,4+p50,4+p90`: weight formats as `tltc compress --quant` takes them, each
 * optionally with `+p<percent>` gradual magnitude pruning.
 */
export function parseGrid(spec: string): GridPoint[] {
  const entries = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error(`--grid "${spec}" is empty: list formats such as fp32,int8,4,4+p50`);
  const points = entries.map((entry) => {
    const m = /^([^+]+)(?:\+p(\d+(?:\.\d+)?))?$/.exec(entry);
    if (!m) throw new Error(`--grid entry "${entry}" is not understood: use <format>[+p<percent>], e.g. 4+p50`);
    const quant = m[1];
    const f = parseWeightFormat(quant);
    const prune = m[2] === undefined ? undefined : Number(m[2]) / 100;
    if (prune !== undefined && !(prune > 0 && prune < 1)) throw new Error(`--grid entry "${entry}": the pruning percentage must be between 0 and 100`);
    if (f.kind === 'nm' && prune !== undefined) throw new Error(`--grid entry "${entry}": ${quant} prunes to its own pattern, so it takes no +p`);
    const base = f.kind === 'fp32' || f.kind === 'int8' ? f.kind : f.kind === 'nm' || f.kind === 'bcq' ? formatFile(f).replace(/^model_|\.onnx$/g, '').replace(/_/g, '-') : `q${quant.toLowerCase().replace(/^int/, '').replace(/:/g, '-')}`;
    return { name: prune === undefined ? base : `${base}-p${m[2]}`, quant, ...(prune === undefined ? {} : { prune }) };
  });
  const seen = new Set<string>();
  for (const p of points) {
    if (seen.has(p.name)) throw new Error(`--grid lists ${p.name} twice`);
    seen.add(p.name);
  }
  return points;
}

export interface DownstreamRun {
  /** Unique label of the pretrained run (folder names use it). */
  id: string;
  model: string;
  dir: string;
}

export interface DownstreamOptions {
  runs: readonly DownstreamRun[];
  outDir: string;
  /** A built-in task's name or the path of the user's files, with the columns of a file task. */
  task: string;
  columns?: TaskColumns;
  grid: readonly GridPoint[];
  finetuneBudget: string;
  /** Fine-tuning peak rate and head pooling; tltc finetune's defaults when absent. */
  finetuneLr?: number;
  pooling?: Pooling;
  finetuneBatch: number;
  /** Recovery training for the pruned grid points. */
  pruneBudget: string;
  /** Accuracy measured on this many test examples (a fixed random subset). */
  examples?: number;
  threads: number;
  quiet?: boolean;
  log: (line: string) => void;
}

export interface DownstreamPoint extends ModelPoint {
  run: string;
  format: string;
  fp32_accuracy: number;
  /** Bootstrap 95% interval of the accuracy and the classes predicted (absent in older files). */
  accuracy_95?: [number, number];
  predicted_classes?: number;
  /** The task's number of classes (absent for a numeric target). */
  classes?: number;
  /** What `accuracy` holds: accuracy (absent) or, for a numeric target, Pearson's r. */
  metric?: 'pearson';
  /** The task's baselines on the same examples: majority class, bag of words. */
  baselines?: { majority: number; bag_of_words: number; bag_of_words_95: [number, number] };
  latency_batch1_ms: number;
  /** The file size if pruned zeros were stored sparsely (compress.json's sparse_bytes). */
  sparse_bytes?: number;
  sparsity?: number;
}

interface CompressSummary {
  accuracy: number;
  fp32_accuracy: number;
  fp32_macro_f1?: number;
  /** Absent in files written before intervals were measured. */
  fp32_accuracy_95?: [number, number];
  fp32_predicted_classes?: number;
  fp32_bytes: number;
  fp32_latency_ms: { batch1: number; batch8: number };
  bytes: number;
  sparse_bytes?: number;
  sparsity?: number;
  latency_ms: { batch1: number; batch8: number };
  method: string;
  accuracy_95?: [number, number];
  predicted_classes?: number;
  /** Classes: majority and bag of words; a numeric target: the training mean's squared error. */
  baselines?: Baselines | { mean: { mse: number } };
  /** A regression head's scores (then `accuracy` holds Pearson's r). */
  metric?: 'accuracy' | 'pearson';
  fp32_spearman?: number;
  fp32_mse?: number;
}

/** The fp32 measurement a compress.json records, to compare every later grid point of its checkpoint with. */
function referenceOf(c: CompressSummary, cDir: string): ReferenceMeasurement {
  const regression = c.metric === 'pearson' ? { regression: { pearson: c.fp32_accuracy, spearman: c.fp32_spearman!, mse: c.fp32_mse!, pearson_95: c.fp32_accuracy_95!, examples: 0 } } : {};
  return { accuracy: c.fp32_accuracy, macro_f1: c.fp32_macro_f1, accuracy_95: c.fp32_accuracy_95, predicted_classes: c.fp32_predicted_classes, bytes: c.fp32_bytes, latency_ms: c.fp32_latency_ms, file: path.join(cDir, 'reference', 'model.onnx'), ...regression };
}

const classBaselines = (b: CompressSummary['baselines']) => (b && 'majority' in b ? { baselines: { majority: b.majority.accuracy, bag_of_words: b.bag_of_words.accuracy, bag_of_words_95: b.bag_of_words.accuracy_95 } } : {});

export async function runDownstream(options: DownstreamOptions): Promise<DownstreamPoint[]> {
  const out = path.resolve(options.outDir);
  const points: DownstreamPoint[] = [];
  const task = await resolveTask(options.task, options.columns ?? {});
  const kind = task.kind === 'regression' ? { metric: 'pearson' as const } : { classes: task.labels.length };
  for (const run of options.runs) {
    const ftDir = path.join(out, 'finetune', run.id);
    if (!existsSync(path.join(ftDir, 'finetune.json'))) {
      options.log(`fine-tuning ${run.id} on ${options.task} (${options.finetuneBudget})`);
      await finetuneAny({ checkpoint: run.dir, task: options.task, columns: options.columns, outDir: ftDir, budget: options.finetuneBudget, lr: options.finetuneLr, pooling: options.pooling, batchSize: options.finetuneBatch, evalExamples: options.examples, threads: options.threads, quiet: options.quiet });
    }
    let reference: ReferenceMeasurement | undefined;
    for (const g of options.grid) {
      const cDir = path.join(out, 'compress', `${run.id}-${g.name}`);
      const cFile = path.join(cDir, 'compress.json');
      if (!existsSync(cFile)) {
        options.log(`compressing ${run.id}: ${g.name}`);
        await compress({ checkpoint: ftDir, task: options.task, columns: options.columns, quant: g.quant, prune: g.prune, budget: g.prune === undefined ? undefined : options.pruneBudget, outDir: cDir, threads: options.threads, examples: options.examples, reference, quiet: options.quiet });
      }
      const c = JSON.parse(readFileSync(cFile, 'utf8')) as CompressSummary;
      // Every grid point of a checkpoint is compared with the same fp32 measurement, taken once.
      reference ??= referenceOf(c, cDir);
      points.push({
        id: `${run.id}-${g.name}`,
        run: run.id,
        model: run.model,
        format: g.name,
        method: c.method,
        accuracy: c.accuracy,
        fp32_accuracy: c.fp32_accuracy,
        bytes: c.bytes,
        latency_ms: c.latency_ms.batch8,
        latency_batch1_ms: c.latency_ms.batch1,
        ...(c.accuracy_95 ? { accuracy_95: c.accuracy_95, predicted_classes: c.predicted_classes } : {}),
        ...kind,
        ...classBaselines(c.baselines),
        ...(c.sparse_bytes === undefined ? {} : { sparse_bytes: c.sparse_bytes }),
        ...(c.sparsity === undefined ? {} : { sparsity: c.sparsity }),
      });
    }
  }
  return points;
}

export interface SweepDownstreamOptions extends Omit<DownstreamOptions, 'runs'> {
  sweepDir: string;
  /** Which seed's checkpoint of each size (default: the lowest seed in the sweep). */
  seed?: number;
}

export interface DownstreamSummary {
  task: string;
  grid: readonly GridPoint[];
  points: DownstreamPoint[];
  pareto_bytes: string[];
  pareto_latency: string[];
  /** Every larger size against every smaller one. */
  equal_bytes: EqualBytesComparison[];
}

/** The pretrained runs a downstream grid covers: one seed's checkpoint of every size in the sweep, smallest first. */
export function downstreamRuns(options: Pick<SweepDownstreamOptions, 'sweepDir' | 'seed'>): DownstreamRun[] {
  const sweepFile = path.join(path.resolve(options.sweepDir), 'sweep.json');
  if (!existsSync(sweepFile)) throw new Error(`${sweepFile} does not exist: point --sweep at a tltc sweep output folder`);
  const summary = JSON.parse(readFileSync(sweepFile, 'utf8')) as SweepSummary;
  if (!Array.isArray(summary.runs) || summary.runs.length === 0) throw new Error(`${sweepFile} lists no completed runs: run tltc sweep to the end first`);
  const seed = options.seed ?? Math.min(...summary.runs.map((r) => r.seed));
  const chosen = summary.runs.filter((r) => r.seed === seed).sort((a, b) => a.params - b.params);
  if (chosen.length === 0) throw new Error(`the sweep has no run with seed ${seed}: seeds are ${[...new Set(summary.runs.map((r) => r.seed))].join(', ')}`);
  // Several batch sizes of one model keep their run ids apart; otherwise the model names the folders.
  const unique = new Set(chosen.map((r) => r.model)).size === chosen.length;
  return chosen.map((r) => {
    const model = assertSafeName(r.model, 'model', sweepFile);
    return { id: unique ? model : assertSafeName(r.id, 'run', sweepFile), model, dir: path.resolve(path.dirname(sweepFile), r.dir) };
  });
}

/** `tltc downstream`: the grid over one seed's checkpoint of every run in a sweep folder; writes downstream.json. */
export async function downstreamFromSweep(options: SweepDownstreamOptions): Promise<DownstreamSummary> {
  checkTask(options.task); // before hours of fine-tuning, not after
  const runs = downstreamRuns(options);
  const points = await runDownstream({ ...options, runs });
  const models = [...new Set(runs.map((r) => r.model))];
  const result: DownstreamSummary = {
    task: options.task,
    grid: options.grid,
    points,
    pareto_bytes: paretoFront(points, (p) => p.bytes).map((p) => p.id),
    pareto_latency: paretoFront(points, (p) => p.latency_ms).map((p) => p.id),
    equal_bytes: compareAllAtEqualBytes(points, models),
  };
  writeFileAtomic(path.join(path.resolve(options.outDir), 'downstream.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** The grid as a text table, the Pareto front by file size starred. */
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const interval = (i?: [number, number]) => (i ? `${(100 * i[0]).toFixed(1)}-${(100 * i[1]).toFixed(1)}` : '-');

export function pointsTable(points: readonly DownstreamPoint[]): string {
  const front = new Set(paretoFront(points, (p) => p.bytes));
  const pad = (s: string, n: number) => s.padEnd(n);
  const b = points.find((p) => p.baselines)?.baselines;
  const pearson = points.some((p) => p.metric === 'pearson');
  const score = (x: number) => (pearson ? x.toFixed(3) : pct(x));
  const range = (i?: [number, number]) => (pearson && i ? `${i[0].toFixed(3)}-${i[1].toFixed(3)}` : interval(i));
  const collapsed = points.filter((p) => p.classes !== undefined && collapseWarning(p.id, p, p.classes) !== null);
  return [
    `${pad('model', 10)} ${pad('format', 10)} ${pad(pearson ? 'pearson r' : 'accuracy', 9)} ${pad('95% interval', 13)} ${pad('classes', 8)} ${pad('MB', 7)} ${pad('ms b8', 7)}`,
    ...points.map((p) => `${pad(p.model, 10)} ${pad(p.format, 10)} ${pad(score(p.accuracy), 9)} ${pad(range(p.accuracy_95), 13)} ${pad(String(p.predicted_classes ?? '-'), 8)} ${pad((p.bytes / 1e6).toFixed(2), 7)} ${pad(p.latency_ms.toFixed(1), 7)}${front.has(p) ? ' *' : ''}`),
    `(* on the Pareto front of ${pearson ? "Pearson's r" : 'accuracy'} against file size${pearson ? '' : '; classes: how many classes the file predicts'})`,
    ...(b ? [`baselines on the same examples: majority class ${pct(b.majority)}; bag of words (TF-IDF + logistic regression) ${pct(b.bag_of_words)} (${interval(b.bag_of_words_95)})`] : []),
    ...(collapsed.length > 0 ? [`warning: ${collapsed.map((p) => `${p.id} (${p.predicted_classes} of ${p.classes} classes)`).join(', ')} predict too few classes to have learned the task`] : []),
  ].join('\n');
}
