/**
 * `tltc report --markdown DIR` on lottery-ticket runs (tltc compress --method imp|random beside
 * one-shot magnitude pruning and a dense control, over seeds; scripts/experiments/tickets.sh):
 * per sparsity, each method's test accuracy (mean ± standard deviation over seeds), and the
 * ticket against the dense control, the random ticket and one-shot pruning, a difference
 * counting only beyond twice its standard error.
 */
import path from 'node:path';
import { meanStd, seedDifference } from './analysis.ts';
import { compressFiles, type CompressFile } from './compress_files.ts';
import { fixed, markdownGrid } from './run_table.ts';

type Kind = 'imp' | 'oneshot' | 'random' | 'dense';
const KINDS: Kind[] = ['imp', 'oneshot', 'random'];

/** True when `root` holds at least one lottery or random ticket. */
export function hasTickets(root: string): boolean {
  return compressFiles(root).some((c) => c.recovery?.ticket !== undefined);
}

const kindOf = (c: CompressFile): Kind => c.recovery?.ticket?.method ?? (c.prune ? 'oneshot' : 'dense');
const percent = (xs: number[]) => (xs.length === 0 ? '-' : `${fixed(100 * meanStd(xs).mean, 1)}% ± ${fixed(100 * meanStd(xs).std, 1)} (${xs.length})`);

function verdict(a: number[], b: number[]): string {
  if (a.length < 2 || b.length < 2) return '-';
  const { difference, threshold, differs } = seedDifference(a, b);
  return `${fixed(100 * difference, 1)} (threshold ${fixed(100 * threshold, 1)}): ${differs ? (difference > 0 ? 'higher' : 'lower') : 'no difference'}`;
}

export function ticketTable(root: string): string {
  const files = compressFiles(path.resolve(root));
  const cell = (kind: Kind, sparsity?: number) => files.filter((c) => kindOf(c) === kind && (sparsity === undefined || Math.abs((c.prune?.sparsity ?? 0) - sparsity) < 1e-9)).map((c) => c.accuracy);
  const sparsities = [...new Set(files.filter((c) => c.prune).map((c) => c.prune!.sparsity))].sort((a, b) => a - b);
  const rounds = (s: number) => [...new Set(files.filter((c) => kindOf(c) === 'imp' && c.prune?.sparsity === s).map((c) => c.recovery!.ticket!.rounds.length))].join(', ') || '-';
  const header = ['sparsity', 'imp rounds', 'lottery ticket (imp)', 'one-shot magnitude', 'random ticket', 'ticket − dense (points)', 'ticket − random (points)', 'ticket − one-shot (points)'];
  const rows = sparsities.map((s) => [fixed(s, 2), rounds(s), ...KINDS.map((k) => percent(cell(k, s))), verdict(cell('imp', s), cell('dense')), verdict(cell('imp', s), cell('random', s)), verdict(cell('imp', s), cell('oneshot', s))]);
  const first = files[0];
  const dense = ['0 (dense, trained as long as one round)', '-', percent(cell('dense')), '-', '-', '-', '-', '-'];
  const table = markdownGrid(header, [dense, ...rows]);
  const note = first ? `\n\n${first.model} on ${first.task}, ${first.examples} test examples; accuracy of the fine-tuned model before compression ${fixed(100 * first.fp32_accuracy, 1)}%, majority class ${fixed(100 * first.baselines.majority.accuracy, 1)}%, bag of words ${fixed(100 * first.baselines.bag_of_words.accuracy, 1)}%.` : '';
  return `${table}${note}`;
}
