/**
 * The paper's MT question as a table (`tltc report --markdown` on translation runs of several
 * seeds): per size, validation BLEU against wall-clock (mean ± std over seeds, interpolated at
 * quarters of the shortest run) and the test books' BLEU, each size set beside the best one. A
 * difference counts only beyond 2 sqrt(sd1^2/n1 + sd2^2/n2), twice the standard error of the
 * difference of the means; inside it the table says "no difference". Below the table, each larger
 * size against the smallest one (the base) at every one of its evaluations: the paper's question,
 * whether the larger model is ahead in BLEU at the same wall-clock.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { countParams } from '../nn/params.ts';
import { seq2seqName, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { seq2seqParamSpecs } from '../nn/seq2seq_params.ts';
import { interpolate, meanStd, seedDifference } from './analysis.ts';
import { completedRuns, fixed, markdownGrid } from './run_table.ts';

interface SizeRuns {
  model: string;
  params: number;
  /** The peak rate these seeds share (runs at other rates are other rows). */
  lr: number | undefined;
  /** Per seed: (wall_s, val_bleu) at each evaluation. */
  curves: { wall_s: number[]; bleu: number[] }[];
  test: number[];
}

function bySize(root: string): SizeRuns[] {
  const sizes = new Map<string, SizeRuns>();
  for (const dir of completedRuns(root)) {
    const json = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    const run = json('run.json') as { model: Seq2SeqConfig; optimizer?: { lr: number } };
    const metrics = path.join(dir, 'metrics.jsonl');
    const lines = existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').filter(Boolean) : [];
    const rows = lines.map((l) => JSON.parse(l) as { wall_s: number; val_bleu?: number });
    const model = seq2seqName(run.model);
    // Runs of one size at different rates are a rate grid, not seeds: each rate is its own row.
    const key = `${model} ${run.optimizer?.lr ?? ''}`;
    const size = sizes.get(key) ?? { model, params: countParams(seq2seqParamSpecs(run.model)), lr: run.optimizer?.lr, curves: [], test: [] };
    const scored = rows.filter((r) => r.val_bleu !== undefined);
    size.curves.push({ wall_s: scored.map((r) => r.wall_s), bleu: scored.map((r) => r.val_bleu!) });
    if (existsSync(path.join(dir, 'eval.json'))) size.test.push(json('eval.json').bleu);
    sizes.set(key, size);
  }
  return [...sizes.values()];
}

const spread = (xs: number[]) => (xs.length === 0 ? '-' : xs.length === 1 ? fixed(xs[0], 2) : `${fixed(meanStd(xs).mean, 2)} ± ${fixed(meanStd(xs).std, 2)}`);

/** This size's mean against the best size's: the difference and whether it exceeds twice its standard error. */
function againstBest(xs: number[], best: number[]): string {
  if (xs === best) return '(best)';
  if (xs.length < 2 || best.length < 2) return '-';
  const { difference, threshold, differs } = seedDifference(xs, best);
  return `${fixed(difference, 2)} (threshold ${fixed(threshold, 2)}): ${differs ? 'lower' : 'no difference'}`;
}

/** A larger size's test BLEU against the base's over seeds: the difference, its threshold and the verdict. */
function testAgainstBase(xs: number[], base: number[]): string {
  if (xs.length < 2 || base.length < 2) return '';
  const { difference, threshold, differs } = seedDifference(xs, base);
  return `, test BLEU ${fixed(difference, 2)} against it (threshold ${fixed(threshold, 2)}): ${differs ? (difference > 0 ? 'higher' : 'lower') : 'no difference'}`;
}

/** Validation BLEU at training second t of every seed whose curve reaches t. */
const bleuAt = (s: SizeRuns, t: number) => s.curves.map((c) => interpolate(c.wall_s, c.bleu, t)).filter((v): v is number => v !== undefined);

/**
 * Each larger size against the smallest at the times of the larger one's evaluations (its first
 * seed's), seed means against seed means: at how many it is ahead, and from when.
 */
function aheadOfBase(sizes: readonly SizeRuns[]): string {
  const [base, ...larger] = [...sizes].sort((a, b) => a.params - b.params);
  const name = (s: SizeRuns) => (sizes.filter((o) => o.model === s.model).length > 1 ? `${s.model} at lr ${s.lr?.toExponential(1)}` : s.model);
  const lines = larger.map((l) => {
    const points = (l.curves[0]?.wall_s ?? []).flatMap((t) => {
      const [mine, theirs] = [bleuAt(l, t), bleuAt(base, t)];
      return mine.length > 0 && theirs.length > 0 ? [{ t, ahead: meanStd(mine).mean > meanStd(theirs).mean }] : [];
    });
    const ahead = points.filter((p) => p.ahead);
    const first = ahead.length > 0 ? ` (the first at ${fixed(ahead[0].t / 60, 1)} min)` : '';
    return `${name(l)} is ahead of ${name(base)} at ${ahead.length} of its ${points.length} evaluations${first}${testAgainstBase(l.test, base.test)}`;
  });
  return `Along the curves (validation BLEU, seed means at each evaluation time of the larger size): ${lines.join('; ')}.`;
}

/** Null unless some size has two or more seeds. */
export function translationSizesTable(root: string): string | null {
  const sizes = bySize(root);
  if (!sizes.some((s) => s.curves.length >= 2)) return null;
  const end = Math.min(...sizes.flatMap((s) => s.curves.map((c) => c.wall_s.at(-1) ?? 0)));
  const times = [0.25, 0.5, 0.75, 1].map((f) => f * end);
  const withTest = sizes.filter((s) => s.test.length > 0);
  const best = withTest.length > 0 ? withTest.reduce((a, b) => (meanStd(b.test).mean > meanStd(a.test).mean ? b : a)).test : [];
  const header = ['model', 'seeds', 'peak lr', ...times.map((t) => `val BLEU at ${fixed(t / 60, 1)} min`), 'test BLEU', 'test BLEU against the best size'];
  const rows = sizes.map((s) => [s.model, String(s.curves.length), s.lr?.toExponential(1) ?? '-', ...times.map((t) => spread(bleuAt(s, t))), spread(s.test), s.test.length > 0 ? againstBest(s.test, best) : '-']);
  return `${markdownGrid(header, rows)}${sizes.length > 1 ? `\n\n${aheadOfBase(sizes)}` : ''}`;
}
