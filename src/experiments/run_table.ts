/**
 * `tltc report --markdown DIR`: a Markdown table of every completed training run under DIR, read
 * from the files each run keeps (run.json, summary.json, metrics.jsonl). docs/RESULTS.md embeds
 * these tables between markers, and a test regenerates them from the committed files, so no
 * number in it is typed by hand.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { seedDifference } from './analysis.ts';

export interface RunFiles {
  dir: string;
  run: {
    model: { n_layers: number; d_model: number; dropout: number };
    config: { budget: string; batch_size: number; init?: { output_bias?: string; head_norm_scale?: number; embedding_scale?: number } };
    optimizer?: { lr: number; lr_source?: string; warmup_steps: number; warmup_fraction?: number };
    seed: number;
  };
  summary: { step: number; wall_s: number; val_ppl: number; unigram_val_ppl: number };
  firstPpl: number;
}

/** The completed runs under `root`, or a one-line error saying there are none. */
export function completedRuns(root: string): string[] {
  if (!existsSync(root)) throw new Error(`${root} does not exist: pass a folder of training runs`);
  const dirs = findRuns(path.resolve(root));
  if (dirs.length === 0) throw new Error(`${root} holds no completed run (a folder with run.json and summary.json)`);
  return dirs;
}

/** Run folders (holding run.json and summary.json) under `root`, in path order. */
export function findRuns(root: string): string[] {
  if (existsSync(path.join(root, 'summary.json')) && existsSync(path.join(root, 'run.json'))) return [root];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .flatMap((name) => findRuns(path.join(root, name)));
}

export function readRun(dir: string): RunFiles {
  const json = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  const rows = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean);
  return { dir, run: json('run.json'), summary: json('summary.json'), firstPpl: JSON.parse(rows[0]).val_ppl };
}

export const fixed = (x: number, digits: number) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A Markdown table: the header row, its rule, then the rows. */
/**
 * `xs` against `ys` over seeds as one cell: the difference of the means, its threshold (twice the
 * standard error of the difference) and the verdict in `words` ('-' with fewer than 2 seeds a side).
 */
export function seedVerdict(xs: readonly number[], ys: readonly number[], digits: number, words: [higher: string, lower: string] = ['higher', 'lower']): string {
  if (xs.length < 2 || ys.length < 2) return '-';
  const { difference, threshold, differs } = seedDifference(xs, ys);
  return `${fixed(difference, digits)} (threshold ${fixed(threshold, digits)}): ${differs ? (difference > 0 ? words[0] : words[1]) : 'no difference'}`;
}

export const markdownGrid = (header: readonly string[], rows: readonly (readonly string[])[]) => [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

export function warmupOf(o: RunFiles['run']['optimizer']): string {
  if (!o) return '-';
  return o.warmup_fraction !== undefined ? `${fixed(100 * o.warmup_fraction, 0)}%` : `${o.warmup_steps} steps`;
}

/** One row per run: what it was trained with, and where it ended. */
export function runTable(root: string): string {
  const dirs = completedRuns(root);
  const header = ['run', 'model', 'peak lr', 'lr from', 'warm-up', 'dropout', 'output bias', 'budget', 'steps', 'train s', 'first val ppl', 'final val ppl', 'unigram ppl'];
  const rows = dirs.map(readRun).map((r) => {
    const o = r.run.optimizer;
    const m = r.run.model;
    return [
      path.relative(path.resolve(root), r.dir) || '.',
      `L${m.n_layers}-H${m.d_model}`,
      o ? o.lr.toPrecision(3) : '-',
      o?.lr_source ?? '-',
      warmupOf(o),
      String(m.dropout),
      r.run.config.init?.output_bias ?? 'zeros',
      r.run.config.budget,
      fixed(r.summary.step, 0),
      fixed(r.summary.wall_s, 0),
      fixed(r.firstPpl, 1),
      fixed(r.summary.val_ppl, 1),
      fixed(r.summary.unigram_val_ppl, 1),
    ];
  });
  return markdownGrid(header, rows);
}
