/**
 * The two further tables `tltc report --markdown` prints for translation runs, each from files
 * that commands wrote into the run folders:
 * - compression: `tltc eval --onnx EXPORT/onnx/encoder_model<format>.onnx --out RUN/onnx-eval-<name>.json`
 *   per weight format: bytes, test BLEU and its change from the fp32 files on the same sentences
 *   (paired bootstrap), chrF and milliseconds per sentence;
 * - decoding: `tltc eval --checkpoint RUN --split validation --beam K --out RUN/eval-validation-beamK.json`:
 *   beam search against greedy decoding on the validation books, paired.
 * A difference whose 95% interval holds zero is reported as no difference. Where a model has runs
 * of several seeds, each table is followed by its seed summary per model (translationCompressionBySize,
 * beamSearchBySize): the seeds' mean ± std, and each size's BLEU change set against the smallest
 * size's (the base) with seedDifference's rule, since the question is whether larger models lose
 * less to compression.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { meanStd } from './analysis.ts';
import { completedRuns, fixed, markdownGrid, seedVerdict } from './run_table.ts';
import { seq2seqName, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';

interface OnnxEval {
  format: string;
  pairs: number;
  bytes: number;
  bleu: number;
  bleu_95?: [number, number];
  chrf: number;
  latency_ms_per_sentence: number;
  bleu_change?: number;
  bleu_change_95?: [number, number];
}

interface BeamEval {
  model: string;
  pairs: number;
  decoding: { beam: number; length_penalty: number };
  bleu: number;
  greedy_bleu: number;
  beam_minus_greedy_bleu: number;
  beam_minus_greedy_bleu_95: [number, number];
}

const FORMAT_NAMES: Record<string, string> = { fp32: 'fp32', _quantized: 'int8', _q4: '4-bit' };

/** The run folders' files named by `pattern`, parsed, with the run's path relative to `root`. */
function filesOf<T>(root: string, pattern: RegExp): { run: string; model: string; file: T }[] {
  return completedRuns(root).flatMap((dir) => {
    const model = seq2seqName((JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as { model: Seq2SeqConfig }).model);
    return readdirSync(dir)
      .filter((f) => pattern.test(f))
      .sort()
      .map((f) => ({ run: path.relative(path.resolve(root), dir) || '.', model, file: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as T }));
  });
}

/** The files grouped by `key`, in first-seen order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

const spread = (xs: number[], digits: number) => (xs.length === 1 ? fixed(xs[0], digits) : `${fixed(meanStd(xs).mean, digits)} ± ${fixed(meanStd(xs).std, digits)}`);
const hasSeeds = (groups: Map<string, unknown[]>) => [...groups.values()].some((g) => g.length >= 2);

const interval = (x: [number, number] | undefined) => (x ? ` (${fixed(x[0], 2)} to ${fixed(x[1], 2)})` : '');
/** 'no difference' when the interval holds zero, else the sign of the difference. */
const verdict = (x: [number, number]) => (x[0] <= 0 && x[1] >= 0 ? 'no difference' : x[0] > 0 ? 'higher' : 'lower');
const table = (header: string[], rows: string[][]) => markdownGrid(header, rows);

/** One row per run and weight format; null when no run folder holds an onnx-eval-*.json. */
export function translationCompressionTable(root: string): string | null {
  const found = filesOf<OnnxEval>(root, /^onnx-eval-.*\.json$/);
  if (found.length === 0) return null;
  const rows = found.map(({ run, file: e }) => [
    run,
    FORMAT_NAMES[e.format] ?? e.format,
    fixed(e.bytes / 1e6, 2),
    `${fixed(e.bleu, 2)}${interval(e.bleu_95)}`,
    e.bleu_change_95 ? `${fixed(e.bleu_change!, 2)}${interval(e.bleu_change_95)}: ${verdict(e.bleu_change_95)}` : '(reference)',
    fixed(e.chrf, 1),
    fixed(e.latency_ms_per_sentence, 1),
    fixed(e.pairs, 0),
  ]);
  return table(['run', 'weights', 'MB', 'test BLEU (95% bootstrap)', 'change from fp32 (paired 95%)', 'test chrF', 'ms per sentence', 'pairs'], rows);
}

/** One row per run and beam evaluation; null when no run folder holds an eval-validation-beam*.json. */
export function beamSearchTable(root: string): string | null {
  const found = filesOf<BeamEval>(root, /^eval-validation-beam\d+\.json$/);
  if (found.length === 0) return null;
  const rows = found.map(({ run, file: e }) => [
    run,
    e.model,
    `${e.decoding.beam} (length exponent ${e.decoding.length_penalty})`,
    fixed(e.greedy_bleu, 2),
    fixed(e.bleu, 2),
    `${fixed(e.beam_minus_greedy_bleu, 2)}${interval(e.beam_minus_greedy_bleu_95)}: ${verdict(e.beam_minus_greedy_bleu_95)}`,
    fixed(e.pairs, 0),
  ]);
  return table(['run', 'model', 'beam', 'greedy validation BLEU', 'beam validation BLEU', 'beam - greedy (paired 95%)', 'pairs'], rows);
}

/**
 * Per model and weight format over its runs (seeds): bytes, test BLEU, the change from fp32 and,
 * for the larger sizes, that change against the base's (the smallest fp32 file's model); null
 * unless some model has two or more runs with onnx-eval files.
 */
export function translationCompressionBySize(root: string): string | null {
  const found = filesOf<OnnxEval>(root, /^onnx-eval-.*\.json$/);
  const groups = groupBy(found, (f) => `${f.model}\t${FORMAT_NAMES[f.file.format] ?? f.file.format}`);
  if (!hasSeeds(groups)) return null;
  const fp32 = found.filter((f) => f.file.format === 'fp32');
  if (fp32.length === 0) return null;
  const base = fp32.reduce((a, b) => (b.file.bytes < a.file.bytes ? b : a)).model;
  const changes = (model: string, format: string) => (groups.get(`${model}\t${format}`) ?? []).flatMap((f) => (f.file.bleu_change === undefined ? [] : [f.file.bleu_change]));
  const rows = [...groups].map(([key, files]) => {
    const [model, format] = key.split('\t');
    const mine = changes(model, format);
    const vsBase = mine.length === 0 ? '-' : model === base ? '(base)' : seedVerdict(mine, changes(base, format), 2);
    const pick = (f: (e: OnnxEval) => number) => files.map((x) => f(x.file));
    return [model, format, String(files.length), fixed(meanStd(pick((e) => e.bytes)).mean / 1e6, 2), spread(pick((e) => e.bleu), 2), mine.length > 0 ? spread(mine, 2) : '(reference)', vsBase, spread(pick((e) => e.latency_ms_per_sentence), 1)];
  });
  return table(['model', 'weights', 'runs', 'MB', 'test BLEU', 'change from fp32', `change against ${base}'s`, 'ms per sentence'], rows);
}

/** Per model over its runs (seeds): greedy and beam validation BLEU, their difference, and how many runs' paired intervals say higher or lower. */
export function beamSearchBySize(root: string): string | null {
  const groups = groupBy(filesOf<BeamEval>(root, /^eval-validation-beam\d+\.json$/), (f) => `${f.model} beam ${f.file.decoding.beam}`);
  if (!hasSeeds(groups)) return null;
  const rows = [...groups.values()].map((files) => {
    const e = files.map((f) => f.file);
    const count = (v: string) => e.filter((x) => verdict(x.beam_minus_greedy_bleu_95) === v).length;
    return [files[0].model, String(e[0].decoding.beam), String(e.length), spread(e.map((x) => x.greedy_bleu), 2), spread(e.map((x) => x.bleu), 2), spread(e.map((x) => x.beam_minus_greedy_bleu), 2), `${count('higher')} / ${count('no difference')} / ${count('lower')}`];
  });
  return table(['model', 'beam', 'runs', 'greedy validation BLEU', 'beam validation BLEU', 'beam - greedy', 'runs higher / no difference / lower (paired 95%)'], rows);
}
