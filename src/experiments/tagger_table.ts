/**
 * `tltc report --markdown DIR` on part-of-speech taggers (DIR/<arm>-s<seed>/finetune.json with
 * task pos, as scripts/experiments/pos-exit.sh writes them): per arm the word accuracy over
 * seeds and each exit's, beside the baselines; then, for the arm with token exits, accuracy
 * against the token-layers saved over thresholds.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { meanStd } from './analysis.ts';
import { fixed, markdownGrid } from './run_table.ts';

interface TokenScores {
  accuracy: number;
  tokens: number;
}

interface TaggerRun {
  task: 'pos';
  model: string;
  steps: number;
  test: TokenScores;
  baselines: { test: { majority_tag: TokenScores; most_frequent_tag: TokenScores } };
  exits?: { test: TokenScores[] };
  token_exit?: { threshold: number; window: number; accuracy: number; mean_layers: number; saved_token_layers: number }[];
}

function taggerRuns(root: string): { arm: string; run: TaggerRun }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'finetune.json')))
    .map((e) => ({ arm: e.name.replace(/-s\d+$/, ''), run: JSON.parse(readFileSync(path.join(root, e.name, 'finetune.json'), 'utf8')) as TaggerRun }))
    .filter((x) => x.run.task === 'pos')
    .sort((a, b) => a.arm.localeCompare(b.arm));
}

/** True when `root` holds part-of-speech taggers. */
export const hasTaggers = (root: string): boolean => taggerRuns(root).length > 0;

function spread(values: readonly number[], scale: number, digits: number, unit = ''): string {
  const { mean, std, n } = meanStd(values);
  return n > 1 ? `${fixed(scale * mean, digits)}${unit} ± ${fixed(scale * std, digits)}` : `${fixed(scale * mean, digits)}${unit}`;
}

function armTable(groups: Map<string, TaggerRun[]>): string {
  const header = ['arm', 'model', 'steps', 'seeds', 'word accuracy', 'first exit', 'words scored'];
  const rows = [...groups].map(([arm, runs]) => {
    const first = runs[0].exits ? spread(runs.map((r) => r.exits!.test[0].accuracy), 100, 1, '%') : '-';
    return [arm, runs[0].model, String(runs[0].steps), String(runs.length), spread(runs.map((r) => r.test.accuracy), 100, 1, '%'), first, String(runs[0].test.tokens)];
  });
  return markdownGrid(header, rows);
}

function curveTable(runs: readonly TaggerRun[]): string {
  const header = ['threshold (nats)', 'word accuracy', 'layers per token', 'token-layers saved'];
  const rows = runs[0].token_exit!.map((p, i) => {
    const at = runs.map((r) => r.token_exit![i]);
    return [fixed(p.threshold, 3), spread(at.map((q) => q.accuracy), 100, 1, '%'), spread(at.map((q) => q.mean_layers), 1, 2), spread(at.map((q) => q.saved_token_layers), 100, 1, '%')];
  });
  return markdownGrid(header, rows);
}

export function taggerTable(root: string): string {
  const groups = new Map<string, TaggerRun[]>();
  for (const { arm, run } of taggerRuns(path.resolve(root))) groups.set(arm, [...(groups.get(arm) ?? []), run]);
  const all = [...groups.values()].flat();
  const b = all[0].baselines.test;
  const withCurve = [...groups.values()].find((runs) => runs[0].token_exit);
  const curve = withCurve ? `\n\n${curveTable(withCurve)}\n\nToken exit, window ${withCurve[0].token_exit![0].window} either side, mean ± standard deviation over ${withCurve.length} seeds; token-layers saved are counted against running every token through every layer, not timed.` : '';
  const note = `\n\nTest words of the 12 universal tags; baselines on the same sentences: the most frequent tag ${fixed(100 * b.majority_tag.accuracy, 1)}%, each word's most frequent training tag ${fixed(100 * b.most_frequent_tag.accuracy, 1)}% (${b.most_frequent_tag.tokens} words, before sentences longer than the model are cut).`;
  return `${armTable(groups)}${note}${curve}`;
}
