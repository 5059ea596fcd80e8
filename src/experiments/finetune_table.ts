/**
 * `tltc report --markdown DIR` on a folder of fine-tuning runs: one row per group of runs whose
 * folder names differ only in a seed part (`-s0`, `-s1`, ...), each cell the test accuracy over
 * the group (mean ± standard deviation, or the one run's bootstrap 95% interval), the classes
 * predicted, and the majority-class and bag-of-words baselines on the same test examples.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { meanStd } from './analysis.ts';
import { fixed, markdownGrid } from './run_table.ts';

interface Scores {
  accuracy: number;
  macro_f1: number;
  examples: number;
  accuracy_95: [number, number];
  predicted_classes: number;
}

interface FinetuneFile {
  task: string;
  model: string;
  steps: number;
  lr?: number;
  pooling?: string;
  test: Scores;
  baselines: { test: { majority: Scores; bag_of_words: Scores } };
  /** A parameter-efficient method's add-on (tltc finetune --method ia3). */
  adapter?: { method: string; bytes: number; trained_params: number; total_params: number };
}

/** Folders holding finetune.json under `root`, in path order. */
export function findFinetunes(root: string): string[] {
  if (existsSync(path.join(root, 'finetune.json'))) return [root];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .flatMap((name) => findFinetunes(path.join(root, name)));
}

const percent = (x: number) => `${fixed(100 * x, 1)}%`;
/** A run folder's name without its seed part (`-s0`, `-s1`, ...): the name of its group. */
export const seedless = (name: string) => name.replace(/-s\d+(?=-|$)/, '');

/** Accuracy of one run with its interval, or of several with their spread over seeds. */
function accuracyCell(runs: FinetuneFile[]): string {
  if (runs.length === 1) return `${percent(runs[0].test.accuracy)} [${runs[0].test.accuracy_95.map((x) => fixed(100 * x, 1)).join(', ')}]`;
  const { mean, std, n } = meanStd(runs.map((r) => r.test.accuracy));
  return `${percent(mean)} ± ${fixed(100 * std, 1)} (${n} seeds)`;
}

export function finetuneTable(root: string): string {
  const dirs = findFinetunes(path.resolve(root));
  if (dirs.length === 0) throw new Error(`${root} holds no fine-tuning run (a folder with finetune.json)`);
  const groups = new Map<string, FinetuneFile[]>();
  for (const dir of dirs) {
    const key = seedless(path.relative(path.resolve(root), dir) || '.');
    groups.set(key, [...(groups.get(key) ?? []), JSON.parse(readFileSync(path.join(dir, 'finetune.json'), 'utf8')) as FinetuneFile]);
  }
  const header = ['runs', 'task', 'model', 'steps', 'trained params', 'add-on bytes', 'test accuracy', 'macro-F1', 'classes predicted', 'test examples', 'majority class', 'bag of words'];
  const rows = [...groups].map(([name, runs]) => {
    const first = runs[0];
    const range = (xs: number[]) => (Math.min(...xs) === Math.max(...xs) ? String(xs[0]) : `${Math.min(...xs)}-${Math.max(...xs)}`);
    return [
      name,
      first.task,
      first.model,
      range(runs.map((r) => r.steps)),
      first.adapter ? `${first.adapter.trained_params.toLocaleString('en-US')} of ${first.adapter.total_params.toLocaleString('en-US')}` : 'all',
      first.adapter ? first.adapter.bytes.toLocaleString('en-US') : '-',
      accuracyCell(runs),
      fixed(meanStd(runs.map((r) => r.test.macro_f1)).mean, 3),
      range(runs.map((r) => r.test.predicted_classes)),
      range(runs.map((r) => r.test.examples)),
      percent(first.baselines.test.majority.accuracy),
      percent(first.baselines.test.bag_of_words.accuracy),
    ];
  });
  return markdownGrid(header, rows);
}
