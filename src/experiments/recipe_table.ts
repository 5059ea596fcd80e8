/**
 * `tltc report --markdown DIR --by-recipe`: the runs under DIR grouped by the recipe they were
 * trained with (rate, warm-up, dropout, output bias), one row per recipe and one column per model,
 * each cell the final validation perplexity over the recipe's seeds (mean ± standard deviation)
 * and its change against the row of the older recipe. This is the ablation table of
 * docs/RESULTS.md; like every generated table there, a test rebuilds it from the committed files.
 */
import { meanStd } from './analysis.ts';
import { completedRuns, fixed, markdownGrid, readRun, type RunFiles, warmupOf } from './run_table.ts';

/** The four changes of the current recipe, each as it reads in a run's files. */
const CHANGES: { name: string; isNew: (r: RunFiles) => boolean }[] = [
  { name: 'warm-up 5% of the budget', isNew: (r) => r.run.optimizer?.warmup_fraction !== undefined },
  { name: 'unigram start', isNew: (r) => r.run.config.init?.output_bias === 'unigram' },
  { name: 'dropout 0', isNew: (r) => r.run.model.dropout === 0 },
  { name: 'rate by width', isNew: (r) => r.run.optimizer?.lr_source === 'width rule' },
];

function recipeOf(r: RunFiles): { label: string; changes: number } {
  const { label, changes } = changesOf(r);
  const init = r.run.config.init ?? {};
  const scales = [
    init.head_norm_scale === undefined ? '' : `head norm starting at ${init.head_norm_scale}`,
    init.embedding_scale === undefined ? '' : `embeddings starting at ${init.embedding_scale}x`,
  ].filter(Boolean);
  return { label: scales.length ? `${label}, ${scales.join(', ')}` : label, changes };
}

function changesOf(r: RunFiles): { label: string; changes: number } {
  const changed = CHANGES.filter((c) => c.isNew(r));
  if (changed.length === 0) return { label: 'older recipe', changes: 0 };
  if (changed.length === CHANGES.length) return { label: 'current recipe (all four)', changes: changed.length };
  return { label: `older + ${changed.map((c) => c.name).join(' + ')}`, changes: changed.length };
}

/** How the older recipe was set, from one of its runs. */
function olderRecipe(r: RunFiles): string {
  const o = r.run.optimizer;
  return `older recipe (rate ${o ? Number(o.lr.toPrecision(3)) : '-'}, warm-up ${warmupOf(o)}, dropout ${r.run.model.dropout}, zero output bias)`;
}

const modelOf = (r: RunFiles) => `L${r.run.model.n_layers}-H${r.run.model.d_model}`;

/** Mean ± sd over seeds, and the change against the older recipe's mean. */
function cell(ppls: number[] | undefined, older: number[] | undefined): string {
  if (!ppls) return '-';
  const { mean, std, n } = meanStd(ppls);
  const spread = n > 1 ? ` ± ${fixed(std, 1)} (${n} seeds)` : '';
  if (!older || older === ppls) return `${fixed(mean, 1)}${spread}`;
  const change = 100 * (mean / meanStd(older).mean - 1);
  return `${fixed(mean, 1)}${spread} · ${change >= 0 ? '+' : '−'}${fixed(Math.abs(change), 1)}%`;
}

export function recipeTable(root: string): string {
  const runs = completedRuns(root).map(readRun);
  const models = [...new Set([...runs].sort((a, b) => a.run.model.d_model - b.run.model.d_model).map(modelOf))];
  const groups = new Map<string, { changes: number; byModel: Map<string, number[]> }>();
  for (const r of runs) {
    const { label, changes } = recipeOf(r);
    const g = groups.get(label) ?? { changes, byModel: new Map() };
    g.byModel.set(modelOf(r), [...(g.byModel.get(modelOf(r)) ?? []), r.summary.val_ppl]);
    groups.set(label, g);
  }
  const olderRun = runs.find((r) => recipeOf(r).changes === 0);
  const older = groups.get('older recipe')?.byModel;
  const ordered = [...groups].sort(([a, x], [b, y]) => x.changes - y.changes || a.localeCompare(b));
  const header = ['recipe', ...models.map((m) => `${m} final val ppl`)];
  const rows = ordered.map(([label, g]) => [label === 'older recipe' && olderRun ? olderRecipe(olderRun) : label, ...models.map((m) => cell(g.byModel.get(m), older?.get(m)))]);
  return markdownGrid(header, rows);
}
