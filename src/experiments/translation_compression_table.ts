/**
 * The two further tables `tltc report --markdown` prints for translation runs, each from files
 * that commands wrote into the run folders:
 * - compression: `tltc eval --onnx EXPORT/onnx/encoder_model<format>.onnx --out RUN/onnx-eval-<name>.json`
 *   per weight format: bytes, test BLEU and its change from the fp32 files on the same sentences
 *   (paired bootstrap), chrF and milliseconds per sentence;
 * - decoding: `tltc eval --checkpoint RUN --split validation --beam K --out RUN/eval-validation-beamK.json`:
 *   beam search against greedy decoding on the validation books, paired.
 * A difference whose 95% interval holds zero is reported as no difference.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { completedRuns, fixed, markdownGrid } from './run_table.ts';

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
function filesOf<T>(root: string, pattern: RegExp): { run: string; file: T }[] {
  return completedRuns(root).flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => pattern.test(f))
      .sort()
      .map((f) => ({ run: path.relative(path.resolve(root), dir) || '.', file: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as T })),
  );
}

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
