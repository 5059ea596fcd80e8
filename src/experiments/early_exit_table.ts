/**
 * `tltc report --markdown DIR` on an early-exit experiment (DIR/exits-s<seed>/ with finetune.json
 * and eval-exits.json, DIR/plain-s<seed>/ with finetune.json, as scripts/experiments/early-exit.sh
 * writes them): per entropy threshold, the test accuracy, the layers run and the time per
 * example over seeds, against running every layer; then each exit alone, the model without
 * exits (the control), the whole model as one graph and the task's baselines.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { meanStd } from './analysis.ts';
import { fixed, markdownGrid } from './run_table.ts';

interface Scores {
  accuracy: number;
}

interface CurvePoint extends Scores {
  criterion: { kind: string; threshold?: number; patience?: number };
  mean_layers: number;
  left_at_layer: number[];
  ms_per_example: number;
  examples: number;
}

interface ExitEval {
  task: string;
  examples: number;
  early_exit: { batch: number; layers: number; machine?: { cpu: string; isa?: string; cpu_flags?: string[]; threads: number }; full: Scores & { ms_per_example: number }; points: CurvePoint[] };
}

interface Finetune {
  model: string;
  steps: number;
  test: Scores;
  exits?: { test: Scores[] };
  baselines: { test: { majority: Scores; bag_of_words: Scores } };
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

function runsOf(root: string, arm: 'exits' | 'plain'): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && new RegExp(`^${arm}-s\\d+$`).test(e.name) && existsSync(path.join(root, e.name, 'finetune.json')))
    .map((e) => path.join(root, e.name))
    .sort();
}

const measured = (root: string) => runsOf(root, 'exits').filter((r) => existsSync(path.join(r, 'eval-exits.json')));

/** True when `root` holds measured early-exit runs. */
export const hasExitCurves = (root: string): boolean => measured(root).length > 0;

/** Mean ± standard deviation over seeds, scaled. */
function spread(values: readonly number[], scale: number, digits: number, unit = ''): string {
  const { mean, std, n } = meanStd(values);
  return n > 1 ? `${fixed(scale * mean, digits)}${unit} ± ${fixed(scale * std, digits)}` : `${fixed(scale * mean, digits)}${unit}`;
}

const criterionName = (c: CurvePoint['criterion']) => (c.kind === 'entropy' ? `entropy < ${c.threshold}` : `patience ${c.patience}`);

function curveRows(evals: readonly ExitEval[]): string[][] {
  const points = evals[0].early_exit.points;
  const base = evals.map((e) => e.early_exit.points[0].ms_per_example);
  return points.map((p, i) => {
    const at = evals.map((e) => e.early_exit.points[i]);
    const firstShare = at.map((q) => q.left_at_layer[0] / q.examples);
    const relative = at.map((q, k) => q.ms_per_example / base[k]);
    return [criterionName(p.criterion), spread(at.map((q) => q.accuracy), 100, 1, '%'), spread(at.map((q) => q.mean_layers), 1, 2), spread(firstShare, 100, 0, '%'), spread(at.map((q) => q.ms_per_example), 1, 3), spread(relative, 1, 2)];
  });
}

/** Where the times were measured: the CPU and the instruction sets int8 speed depends on. */
function machineNote(e: ExitEval): string {
  const m = e.early_exit.machine;
  return m ? `, on ${m.cpu} (${m.isa ?? 'isa not recorded'}: ${(m.cpu_flags ?? []).join(', ') || 'flags not recorded'}), ${m.threads} threads` : '';
}

export function exitTable(root: string): string {
  const dir = path.resolve(root);
  const runs = measured(dir);
  const evals = runs.map((r) => readJson<ExitEval>(path.join(r, 'eval-exits.json')));
  const tunes = runs.map((r) => readJson<Finetune>(path.join(r, 'finetune.json')));
  const plain = runsOf(dir, 'plain').map((r) => readJson<Finetune>(path.join(r, 'finetune.json')));
  const header = ['exit rule', 'test accuracy', 'layers per example', 'left after layer 1', 'ms per example', 'time vs first row'];
  const rows = curveRows(evals);
  const table = markdownGrid(header, rows);
  const layers = evals[0].early_exit.layers;
  const exitAlone = Array.from({ length: layers }, (_, i) => `exit ${i + 1} ${spread(tunes.map((t) => t.exits!.test[i].accuracy), 100, 1, '%')}`).join(', ');
  const whole = `${spread(evals.map((e) => e.early_exit.full.accuracy), 100, 1, '%')} at ${spread(evals.map((e) => e.early_exit.full.ms_per_example), 1, 3)} ms per example`;
  const control = plain.length ? `${spread(plain.map((t) => t.test.accuracy), 100, 1, '%')} (${plain.length} seeds)` : 'not run';
  const b = tunes[0].baselines.test;
  const note =
    `\n\n${tunes[0].model} on ${evals[0].task}, ${tunes[0].steps} steps, ${runs.length} seeds (mean ± standard deviation), ${evals[0].examples} test examples, batch ${evals[0].early_exit.batch}; ` +
    `time is the faster of two passes over the split, relative to the first row of the same seed${machineNote(evals[0])}. Each exit alone: ${exitAlone}. ` +
    `The whole model as one graph: ${whole}. Fine-tuned without exits (the control): ${control}. Majority class ${fixed(100 * b.majority.accuracy, 1)}%, bag of words ${fixed(100 * b.bag_of_words.accuracy, 1)}%.`;
  return `${table}${note}`;
}
