/**
 * `tltc report --markdown DIR` on pretraining methods against the dense recipe
 * (scripts/experiments/methods-pretrain.sh: DIR/<method>/ is one sweep per method, DIR/dense/
 * the baseline, all at one budget over seeds): per method, throughput, theoretical FLOPs, final
 * validation perplexity against dense's (a difference counting only beyond twice its standard
 * error) and the training time to reach dense's final perplexity; for Switch experts, the
 * routing over the run.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MetricsRow } from '../train/run_log.ts';
import { meanStd, seedDifference, timeToTarget } from './analysis.ts';
import { fixed, markdownGrid } from './run_table.ts';
import { readCurve } from './sweep.ts';

type RoutedRow = MetricsRow & { expert_load_max?: number; expert_dropped?: number; sparsity?: number };

interface MethodRuns {
  method: string;
  model: string;
  curves: RoutedRow[][];
  /** A distillation's teacher (run.json `teacher`), whose training the comparison with the teacher's time charges. */
  teacher?: { model: string; train_s: number; checkpoint: string };
}

function teacherOf(runDir: string): MethodRuns['teacher'] {
  const file = path.join(runDir, 'run.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { teacher?: MethodRuns['teacher'] }).teacher : undefined;
}

/** Method folders under `root` that a sweep finished (sweep.json with at least one run). */
function methodFolders(root: string): MethodRuns[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'sweep.json')))
    .map((e) => {
      const dir = path.join(root, e.name);
      const sweep = JSON.parse(readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as { runs: { model: string; dir: string }[] };
      const curves = sweep.runs.map((r) => readCurve(path.join(dir, r.dir)) as RoutedRow[]).filter((c) => c.length > 0);
      const teacher = sweep.runs[0] ? teacherOf(path.join(dir, sweep.runs[0].dir)) : undefined;
      return { method: e.name, model: sweep.runs[0]?.model ?? '-', curves, ...(teacher ? { teacher } : {}) };
    })
    .filter((m) => m.curves.length > 0)
    .sort((a, b) => (a.method === 'dense' ? -1 : b.method === 'dense' ? 1 : a.method.localeCompare(b.method)));
}

/** True when `root` holds a dense baseline and at least one other method, each a sweep folder. */
export function hasMethods(root: string): boolean {
  const methods = methodFolders(root);
  return methods.length >= 2 && methods[0].method === 'dense';
}

const finals = (m: MethodRuns, pick: (r: RoutedRow) => number | undefined) => m.curves.map((c) => pick(c.at(-1)!)).filter((v): v is number => v !== undefined);
const meanSd = (xs: number[], digits: number, scale = 1) => (xs.length === 0 ? '-' : `${fixed(scale * meanStd(xs).mean, digits)} ± ${fixed(scale * meanStd(xs).std, digits)}`);

function versusDense(ppl: number[], dense: number[], isDense: boolean): string {
  if (isDense) return '(baseline)';
  if (ppl.length < 2 || dense.length < 2) return '-';
  const { difference, threshold, differs } = seedDifference(ppl, dense);
  return `${fixed(difference, 1)} (threshold ${fixed(threshold, 1)}): ${differs ? (difference < 0 ? 'better' : 'worse') : 'no difference'}`;
}

/** The validation perplexity of `curve` where `key` reaches x, linearly between evaluations; undefined outside the curve. */
function pplAt(curve: readonly RoutedRow[], key: 'step' | 'flops', x: number): number | undefined {
  const i = curve.findIndex((r) => r[key] >= x);
  if (i < 0) return undefined;
  if (i === 0) return curve[0][key] === x ? curve[0].val_ppl : undefined;
  const [a, b] = [curve[i - 1], curve[i]];
  return a.val_ppl + ((x - a[key]) / (b[key] - a[key])) * (b.val_ppl - a.val_ppl);
}

/** The method's final perplexity against dense's at the same steps or FLOPs, seed by seed (dense curve k beside the method's run k). */
function versusDenseAt(m: MethodRuns, dense: MethodRuns, key: 'step' | 'flops'): string {
  if (m === dense) return '(baseline)';
  const pairs = m.curves.flatMap((c, k) => {
    const ref = dense.curves[k] && pplAt(dense.curves[k], key, c.at(-1)![key]);
    return ref === undefined ? [] : [c.at(-1)!.val_ppl - ref];
  });
  if (pairs.length < 2) return `- (dense's runs ${key === 'step' ? 'stop' : 'spend less'} before ${pairs.length === 0 ? 'any' : 'most'})`;
  const { mean, std, n } = meanStd(pairs);
  const threshold = (2 * std) / Math.sqrt(n);
  return `${fixed(mean, 1)} (threshold ${fixed(threshold, 1)}): ${Math.abs(mean) > threshold ? (mean < 0 ? 'better' : 'worse') : 'no difference'}`;
}

function timeTo(m: MethodRuns, target: number): string {
  const times = m.curves.map((c) => timeToTarget(c, target));
  const reached = times.filter((t): t is number => t !== undefined);
  if (reached.length === 0) return `not reached (0/${times.length})`;
  return `${fixed(meanStd(reached).mean, 0)} s (${reached.length}/${times.length})`;
}

/** Each expert-routed method's load and drops at a quarter, half and the end of its runs, mean over seeds. */
function routingTable(methods: MethodRuns[]): string | null {
  const routed = methods.filter((m) => m.curves.every((c) => c.at(-1)!.expert_load_max !== undefined));
  if (routed.length === 0) return null;
  const at = (m: MethodRuns, share: number, key: 'expert_load_max' | 'expert_dropped') => meanStd(m.curves.map((c) => c[Math.min(c.length - 1, Math.max(0, Math.round(share * c.length) - 1))][key]!)).mean;
  const shares = [0.25, 0.5, 1];
  const header = ['method', 'model', ...shares.map((s) => `busiest expert × E at ${s * 100}%`), ...shares.map((s) => `tokens dropped at ${s * 100}%`)];
  const rows = routed.map((m) => [m.method, m.model, ...shares.map((s) => fixed(at(m, s, 'expert_load_max'), 2)), ...shares.map((s) => `${fixed(100 * at(m, s, 'expert_dropped'), 1)}%`)]);
  return markdownGrid(header, rows);
}

/** What the distilled methods' teachers cost: the table above is the student alone; with the teacher's training added, the budget grows by it. */
function teacherNote(methods: MethodRuns[]): string {
  const taught = methods.filter((m) => m.teacher);
  if (taught.length === 0) return '';
  const lines = taught.map((m) => {
    const student = meanStd(finals(m, (r) => r.wall_s)).mean;
    return `${m.method} learned from ${m.teacher!.model} (${m.teacher!.checkpoint}), trained for ${fixed(m.teacher!.train_s, 0)} s: student alone ${fixed(student, 0)} s, student + teacher ${fixed(student + m.teacher!.train_s, 0)} s.`;
  });
  return `\n\nThe rows above charge a distilled student its own steps only (the teacher's forward passes included). ${lines.join(' ')}`;
}

export function methodTable(root: string): string {
  const methods = methodFolders(path.resolve(root));
  const dense = methods[0];
  const densePpl = finals(dense, (r) => r.val_ppl);
  const target = meanStd(densePpl).mean;
  const header = ['method', 'model', 'seeds', 'steps', 'tokens/s', 'train TFLOPs', 'final val ppl', 'ppl − dense (same time)', 'ppl − dense at equal steps', 'ppl − dense at equal FLOPs', `time to dense's ${fixed(target, 1)}`];
  const rows = methods.map((m) => {
    const ppl = finals(m, (r) => r.val_ppl);
    return [m.method, m.model, String(m.curves.length), meanSd(finals(m, (r) => r.step), 0), meanSd(finals(m, (r) => r.tokens / r.wall_s), 0), meanSd(finals(m, (r) => r.flops), 1, 1e-12), meanSd(ppl, 1), versusDense(ppl, densePpl, m === dense), versusDenseAt(m, dense, 'step'), versusDenseAt(m, dense, 'flops'), timeTo(m, target)];
  });
  const table = markdownGrid(header, rows);
  const note = "\n\nMean ± standard deviation over seeds; tokens/s over the whole budget; train TFLOPs: the matmul FLOPs of the steps taken, forward and backward (sparse methods count only unmasked weights, though dense kernels do not get faster; Switch layers count their router and every capacity slot). Same time: the final perplexities, a difference only beyond twice its standard error. Equal steps and equal FLOPs: each run's final perplexity against the dense run of the same seed where that run had taken as many steps or FLOPs (interpolated between evaluations), a mean difference only beyond twice its standard error. Time to the dense runs' mean final perplexity in training seconds (runs that reached it / runs).";
  const routing = routingTable(methods);
  return `${table}${note}${teacherNote(methods)}${routing ? `\n\nRouting over the runs (1.00 = every expert takes the same share; E = all on one):\n\n${routing}` : ''}`;
}
