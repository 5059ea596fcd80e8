/**
 * The EarlyBERT columns of a folder of fine-tuning runs (tltc finetune --method earlybert beside
 * its controls), grouped over seeds as finetune_table.ts groups them: the ticket's heads and FFN
 * neurons per layer, where the early bird was found, the search's and the whole fine-tuning's
 * seconds (mean ± standard deviation), and the test accuracy again, for reading time against it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { meanStd } from './analysis.ts';
import { findFinetunes, seedless } from './finetune_table.ts';
import { fixed, markdownGrid } from './run_table.ts';

interface EarlyBertRun {
  steps: number;
  train_s: number;
  test: { accuracy: number };
  earlybert?: {
    kind: string;
    weights: string;
    layer_heads?: number[];
    layer_ffn?: number[];
    found_at: { step: number } | null;
    search: { steps: number; train_s: number };
  };
}

const spread = (xs: number[], digits: number, scale = 1, unit = '') => {
  const { mean, std, n } = meanStd(xs.map((x) => scale * x));
  return n > 1 ? `${fixed(mean, digits)}${unit} ± ${fixed(std, digits)}` : `${fixed(mean, digits)}${unit}`;
};
const sizes = (xs: number[][]) => [...new Set(xs.map((x) => x.join('/')))].join(', ');

/** True when some run under `root` fine-tuned with --method earlybert. */
export function hasEarlyBertFinetunes(root: string): boolean {
  return findFinetunes(path.resolve(root)).some((dir) => (JSON.parse(readFileSync(path.join(dir, 'finetune.json'), 'utf8')) as EarlyBertRun).earlybert !== undefined);
}

export function earlyBertFinetuneTable(root: string): string {
  const groups = new Map<string, EarlyBertRun[]>();
  for (const dir of findFinetunes(path.resolve(root))) {
    const key = seedless(path.relative(path.resolve(root), dir) || '.');
    groups.set(key, [...(groups.get(key) ?? []), JSON.parse(readFileSync(path.join(dir, 'finetune.json'), 'utf8')) as EarlyBertRun]);
  }
  const header = ['runs', 'ticket', 'heads per layer', 'FFN neurons per layer', 'early bird at step', 'search s', 'fine-tuning s', 'test accuracy'];
  const rows = [...groups].map(([name, runs]) => {
    const eb = runs.map((r) => r.earlybert).filter((e) => e !== undefined);
    const found = eb.map((e) => (e.found_at ? String(e.found_at.step) : `none (${e.search.steps})`));
    return [
      name,
      eb.length ? `${eb[0].kind}, ${eb[0].weights}` : 'none (dense)',
      eb.length ? sizes(eb.map((e) => e.layer_heads ?? [])) : '-',
      eb.length ? sizes(eb.map((e) => e.layer_ffn ?? [])) : '-',
      eb.length ? found.join(', ') : '-',
      eb.length ? spread(eb.map((e) => e.search.train_s), 1) : '-',
      spread(runs.map((r) => r.train_s), 1),
      spread(runs.map((r) => r.test.accuracy), 1, 100, '%'),
    ];
  });
  const table = markdownGrid(header, rows);
  return `${table}\n\nSeconds: training time measured by each run (evaluation excluded), mean ± standard deviation over seeds; "none (N)": no early bird within the search's share of the budget, the ticket drawn at step N.`;
}
