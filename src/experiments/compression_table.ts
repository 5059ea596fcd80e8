/**
 * `tltc report --markdown DIR` on a grid of compressed models (DIR/<arm>-s<seed>/compress.json,
 * as scripts/experiments/sparse-lowbit.sh writes them): one row per arm, smallest file first,
 * with its accuracy over seeds, its loss against the uncompressed model it came from (paired by
 * seed), and the smallest arm at no more bytes that is more accurate beyond the noise (twice
 * the standard error of the difference), so "better at equal bytes" is read off the table. Where
 * the grid has control arms, also each arm against its control and each level across sizes
 * (control_losses.ts).
 */
import path from 'node:path';
import { meanStd, seedDifference } from './analysis.ts';
import { armOf, compressFiles, sourceOf, type CompressFile } from './compress_files.ts';
import { controlLoss, hasControl, levelsBySize } from './control_losses.ts';
import { fixed, markdownGrid } from './run_table.ts';

interface Arm {
  name: string;
  files: CompressFile[];
  bytes: number;
  accuracy: number[];
}

/** True when `root` holds compressed models and none of them is a lottery ticket (ticket_table.ts reads those). */
export function hasCompressionGrid(root: string): boolean {
  const files = compressFiles(root);
  return files.length > 0 && files.every((c) => c.recovery?.ticket === undefined);
}

function arms(files: readonly CompressFile[]): Arm[] {
  const byArm = new Map<string, CompressFile[]>();
  for (const f of files) byArm.set(armOf(f.name), [...(byArm.get(armOf(f.name)) ?? []), f]);
  return [...byArm].map(([name, fs]) => ({ name, files: fs, bytes: meanStd(fs.map((f) => f.bytes)).mean, accuracy: fs.map((f) => f.accuracy) })).sort((a, b) => a.bytes - b.bytes || a.name.localeCompare(b.name));
}

const percent = (xs: number[]) => `${fixed(100 * meanStd(xs).mean, 1)}% ± ${fixed(100 * meanStd(xs).std, 1)} (${xs.length})`;
const mb = (bytes: number) => fixed(bytes / 1e6, 3);

function training(f: CompressFile): string {
  if (!f.recovery) return 'none (post-training)';
  return `${f.recovery.steps} steps${f.quantization.qat ? ', QAT' : ''}`;
}

/** Accuracy minus the uncompressed model's, paired by seed: mean ± sd, no difference within twice its standard error. */
function loss(a: Arm): string {
  const deltas = a.files.map((f) => 100 * (f.accuracy - f.fp32_accuracy));
  const { mean, std, n } = meanStd(deltas);
  if (n < 2) return fixed(mean, 1);
  return `${fixed(mean, 1)} ± ${fixed(std, 1)}${Math.abs(mean) > (2 * std) / Math.sqrt(n) ? '' : ' (no difference)'}`;
}

/** The smallest arm with no more bytes that is more accurate beyond the noise, or '-'. */
function beatenBy(a: Arm, all: readonly Arm[]): string {
  if (a.accuracy.length < 2) return '-';
  const gain = (b: Arm) => (b.accuracy.length < 2 ? undefined : seedDifference(b.accuracy, a.accuracy));
  const better = all.find((b) => b !== a && b.bytes <= a.bytes && gain(b)?.differs === true && gain(b)!.difference > 0);
  return better ? `${better.name} (${mb(better.bytes)} MB, +${fixed(100 * gain(better)!.difference, 1)})` : '-';
}

const latency = (a: Arm) => {
  const ratio = meanStd(a.files.map((f) => f.latency_ms.batch8 / f.fp32_latency_ms.batch8)).mean;
  return `${fixed(meanStd(a.files.map((f) => f.latency_ms.batch8)).mean, 1)} (${fixed(ratio, 2)}x)`;
};

/** Each fine-tuned model the grid compressed: its accuracy over seeds and its fp32 bytes. */
function uncompressed(files: readonly CompressFile[]): string {
  const bySource = new Map<string, Map<string, CompressFile>>();
  for (const f of files) {
    const seeds = bySource.get(sourceOf(f)) ?? new Map<string, CompressFile>();
    seeds.set(f.checkpoint, f);
    bySource.set(sourceOf(f), seeds);
  }
  return [...bySource]
    .map(([source, seeds]) => {
      const fs = [...seeds.values()];
      return `${source} (${fs[0].model}): ${percent(fs.map((f) => f.fp32_accuracy))}, ${mb(fs[0].fp32_bytes)} MB`;
    })
    .join('; ');
}

export function compressionTable(root: string): string {
  const files = compressFiles(path.resolve(root));
  const all = arms(files);
  // Grids with a control arm (the same training, nothing compressed) also say what compression itself cost.
  const controlled = hasControl(files);
  const header = ['arm', 'file', 'training', 'sparsity', 'MB', 'MB if zeros stored sparsely', 'accuracy', '− uncompressed (points)', ...(controlled ? ['− control (points)'] : []), 'beaten at no more bytes by', 'batch-8 ms (x fp32)'];
  const rows = all.map((a) => {
    const f = a.files[0];
    const sparse = a.files.every((x) => x.sparse_bytes !== undefined) ? mb(meanStd(a.files.map((x) => x.sparse_bytes!)).mean) : '-';
    const control = controlled ? [controlLoss(a.files, files)] : [];
    return [a.name, path.basename(f.onnx), training(f), fixed(f.sparsity, 2), mb(a.bytes), sparse, percent(a.accuracy), loss(a), ...control, beatenBy(a, all), latency(a)];
  });
  const bySize = levelsBySize(files);
  const table = `${markdownGrid(header, rows)}${bySize ? `\n\n${bySize}` : ''}`;
  const first = files[0];
  const note = first
    ? `\n\n${first.task}, ${first.examples} test examples; uncompressed fp32 ${uncompressed(files)}; majority class ${fixed(100 * first.baselines.majority.accuracy, 1)}%, bag of words ${fixed(100 * first.baselines.bag_of_words.accuracy, 1)}%. Latency: median at sequence length 128 on ${first.threads} threads, against the fp32 file measured in the same run.`
    : '';
  return `${table}${note}`;
}
