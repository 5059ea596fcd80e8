/**
 * Compression grids with a control arm, `fp32-recover` or `<size>-fp32-recover` (the same recovery
 * training with nothing compressed, scripts/experiments/compress-arm.sh): what compression itself
 * cost, each file's accuracy minus its control's on the same fine-tuned checkpoint (paired by
 * seed). Where the grid compressed fine-tuned models of several sizes (compression at matched
 * quality), each level's cost for every size beside the smallest size's: the paper's claim (b) is
 * that larger models lose less.
 */
import { meanStd } from './analysis.ts';
import { armOf, sourceOf, type CompressFile } from './compress_files.ts';
import { fixed, markdownGrid, seedVerdict } from './run_table.ts';

const CONTROL = 'fp32-recover';
const isControl = (f: CompressFile) => armOf(f.name).endsWith(CONTROL);

export const hasControl = (files: readonly CompressFile[]) => files.some(isControl);

/** Per file of `arm`, accuracy minus the control's on its checkpoint, in points (files without a control left out). */
function lossesAgainstControl(arm: readonly CompressFile[], all: readonly CompressFile[]): number[] {
  return arm.flatMap((f) => {
    const control = all.find((c) => isControl(c) && c.checkpoint === f.checkpoint);
    return control ? [100 * (f.accuracy - control.accuracy)] : [];
  });
}

/** Mean ± sd of paired differences, 'no difference' within twice their standard error. */
function pairedCell(xs: readonly number[]): string {
  const { mean, std, n } = meanStd(xs);
  if (n === 0) return '-';
  if (n < 2) return fixed(mean, 1);
  return `${fixed(mean, 1)} ± ${fixed(std, 1)}${Math.abs(mean) > (2 * std) / Math.sqrt(n) ? '' : ' (no difference)'}`;
}

/** The control column's cell for one arm's files ('(control)' on the control arm itself). */
export function controlLoss(arm: readonly CompressFile[], all: readonly CompressFile[]): string {
  return arm.every(isControl) ? '(control)' : pairedCell(lossesAgainstControl(arm, all));
}

/**
 * One row per compression level that every size has: each size's cost against its own control,
 * and each larger size's cost against the smallest size's (difference of means over seeds,
 * threshold twice its standard error). Null unless the grid holds two or more sizes with controls.
 */
export function levelsBySize(files: readonly CompressFile[]): string | null {
  const bytes = new Map(files.map((f) => [sourceOf(f), f.fp32_bytes]));
  const sizes = [...new Set(files.filter(isControl).map(sourceOf))].sort((a, b) => bytes.get(a)! - bytes.get(b)! || a.localeCompare(b));
  if (sizes.length < 2) return null;
  const levelOf = (f: CompressFile) => armOf(f.name).replace(`${sourceOf(f)}-`, '');
  const cost = (size: string, level: string) => {
    const arm = files.filter((f) => sourceOf(f) === size && levelOf(f) === level);
    return lossesAgainstControl(arm, files);
  };
  const [base, ...larger] = sizes;
  const baseFiles = files.filter((f) => sourceOf(f) === base && !isControl(f));
  const levels = [...new Set(baseFiles.sort((a, b) => a.bytes - b.bytes || a.name.localeCompare(b.name)).map(levelOf))].filter((l) => sizes.every((s) => cost(s, l).length > 0));
  const header = ['level', ...sizes.map((s) => `${s} − its control (points)`), ...larger.map((l) => `${l} against ${base}`)];
  const rows = levels.map((level) => [level, ...sizes.map((s) => pairedCell(cost(s, level))), ...larger.map((l) => seedVerdict(cost(l, level), cost(base, level), 1, ['loses less', 'loses more']))]);
  return markdownGrid(header, rows);
}
