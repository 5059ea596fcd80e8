/** compress.json (DESIGN §4): what was done, and the compressed model measured against the original fp32 export. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PruningPlan } from '../compress/constraints.ts';
import { onnxFileEntry } from '../export/onnx_file.ts';
import { compressesEmbeddings, containerBits, type WeightFormat } from '../export/weight_format.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import { countParams, type Parameter } from '../nn/params.ts';
import type { Baselines } from '../train/bow_baseline.ts';
import { collapseWarning } from './classifier_steps.ts';
import type { Measured } from './compress_measure.ts';
import { machineInfo } from '../util/machine.ts';

function describeFormat(f: WeightFormat, fp32Embeddings: boolean): string {
  if (f.kind === 'fp32') return 'fp32 weights';
  if (f.kind === 'int8') return `int8 weights per output channel (7-bit range), dynamic uint8 activations (DynamicQuantizeLinear + MatMulInteger)${fp32Embeddings ? '' : '; embeddings 8-bit symmetric in blocks of 32'}`;
  if (f.kind === 'nm') {
    const values = f.values === null ? 'fp32 values' : `${f.values === 'int8' ? 'int8 (7-bit range)' : `${f.values}-bit`} values per output channel, int8 kernels${fp32Embeddings ? '' : '; embeddings symmetric in blocks of 32'}`;
    return `${f.n}:${f.m} sparse encoder weights stored as kept values plus a 1-bit position mask, decoded to dense when the session loads (no sparse kernel runs them); ${values}`;
  }
  if (f.kind === 'bcq') return `binary-coding quantization: ${f.q} binary planes per weight with ${f.q} fp32 scales per ${f.block} inputs (alternating least squares), decoded to fp32 when the session loads (no lookup-table kernel)${fp32Embeddings ? '' : '; embeddings coded the same way'}`;
  const stored = containerBits(f.bits) === f.bits ? '' : `, stored as ${containerBits(f.bits)}-bit`;
  const emb = fp32Embeddings ? '' : '; embeddings symmetric in the same blocks';
  return `${f.bits}-bit weights, asymmetric, ${f.block === 'channel' ? 'per output channel' : `blocks of ${f.block}`} (MatMulNBits${stored})${emb}`;
}

/** Non-zero weights overall, and zeros among the prunable ones. */
function sparsityCounts(params: readonly Parameter[], prunable: ReadonlySet<string>) {
  let [prunableCount, prunableZeros, nonzero] = [0, 0, 0];
  for (const p of params) {
    for (const v of p.data) {
      if (v !== 0) nonzero++;
      else if (prunable.has(p.spec.name)) prunableZeros++;
    }
    if (prunable.has(p.spec.name)) prunableCount += p.data.length;
  }
  return { prunableCount, prunableZeros, nonzero };
}

export interface CompressionOutcome {
  task: string;
  split: string;
  examples: number;
  reference: ModelConfig;
  model: ModelConfig;
  classes: number;
  /** Parameters of the uncompressed classifier. */
  referenceParams: number;
  params: readonly Parameter[];
  prunable: readonly string[];
  format: WeightFormat;
  quantizeEmbeddings: boolean;
  qat: boolean;
  /** A recovery-only run (nothing pruned, no QAT), and its budget. */
  control?: string;
  structured?: Record<string, unknown>;
  pruning: PruningPlan | null;
  maskUpdates: number;
  recovery?: Record<string, unknown>;
  baseline: Measured;
  fp32: Measured;
  quantized: Measured;
  threads: number;
  checkpoint: string;
  outDir: string;
  /** Classes: majority class and bag of words; a numeric target: the training mean's squared error. */
  baselines: Baselines | { mean: { mse: number } };
}

export function compressionSummary(o: CompressionOutcome): Record<string, unknown> {
  const { quantized: q, baseline, format } = o;
  const { prunableCount, prunableZeros, nonzero } = sparsityCounts(o.params, new Set(o.prunable));
  const bitsPerWeight = format.kind === 'fp32' ? 32 : format.kind === 'int8' ? 8 : format.kind === 'nbits' ? containerBits(format.bits) : null;
  // Bitmap encoding of the pruned matrices: one bit per position plus the non-zero values (N:M files store it so already).
  const sparseBytes = bitsPerWeight === null ? null : q.bytes - (prunableCount * bitsPerWeight) / 8 + prunableCount / 8 + ((prunableCount - prunableZeros) * bitsPerWeight) / 8;
  const s = o.structured as { heads_removed: number; heads_total: number; neurons_removed: number; neurons_total: number } | undefined;
  const methods = [
    s ? `structured: ${s.heads_removed}/${s.heads_total} heads and ${s.neurons_removed}/${s.neurons_total} FFN neurons removed` : '',
    o.pruning ? pruningText(o.pruning, o.recovery?.ticket as TicketRecord | undefined) : '',
    o.qat ? 'quantization-aware training (fake quantization, straight-through gradient)' : '',
    o.control ? `further training for ${o.control} (control)` : '',
    describeFormat(format, !o.quantizeEmbeddings),
  ].filter(Boolean);
  return {
    method: methods.join('; '),
    task: o.task,
    split: o.split,
    examples: o.examples,
    model: modelName(o.reference),
    metric: q.regression ? 'pearson' : 'accuracy',
    ...(q.regression ? regressionFields(q, baseline) : {}),
    accuracy: q.accuracy,
    macro_f1: q.macro_f1,
    accuracy_95: q.accuracy_95,
    predicted_classes: q.predicted_classes,
    fp32_accuracy: baseline.accuracy,
    fp32_macro_f1: baseline.macro_f1,
    fp32_accuracy_95: baseline.accuracy_95,
    fp32_predicted_classes: baseline.predicted_classes,
    accuracy_delta_points: 100 * (q.accuracy - baseline.accuracy),
    baselines: o.baselines,
    warnings: [collapseWarning(`the ${describeFormat(format, !o.quantizeEmbeddings).split(',')[0]} file`, q, o.classes), collapseWarning('the original fp32 file', baseline, o.classes)].filter(Boolean),
    params: countParams(o.params.map((p) => p.spec)),
    fp32_params: o.referenceParams,
    nonzero_params: nonzero,
    sparsity: prunableCount > 0 ? prunableZeros / prunableCount : 0,
    bytes: q.bytes,
    fp32_bytes: baseline.bytes,
    ...(prunableZeros > 0 && sparseBytes !== null ? { sparse_bytes: Math.round(sparseBytes), sparse_encoding: 'pruned encoder matrices as a 1-bit-per-weight bitmap plus their non-zero values' } : {}),
    latency_seq: Math.min(128, o.reference.max_len),
    latency_ms: q.latency_ms,
    fp32_latency_ms: baseline.latency_ms,
    compressed_fp32: { accuracy: o.fp32.accuracy, bytes: o.fp32.bytes, latency_ms: o.fp32.latency_ms },
    threads: o.threads,
    machine: machineInfo(o.threads),
    onnx: path.relative(o.outDir, q.file),
    checkpoint: o.checkpoint,
    ...(o.structured ? { structured: o.structured } : {}),
    ...(o.pruning ? { prune: { ...o.pruning, mask_updates: o.maskUpdates } } : {}),
    ...(o.recovery ? { recovery: o.recovery } : {}),
    quantization: { format, qat: o.qat, embeddings: o.quantizeEmbeddings && compressesEmbeddings(format) ? 'quantized' : 'fp32' },
    // Checksums, so a file handed back later (tltc eval --onnx) is verified.
    onnx_files: [...new Set([baseline.file, o.fp32.file, q.file])].map((f) => onnxFileEntry(o.outDir, f, readFileSync(f))),
  };
}

interface TicketRecord {
  method: 'imp' | 'random';
  rewind: { to: string; step?: number };
  rounds: unknown[];
}

function pruningText(p: PruningPlan, ticket: TicketRecord | undefined): string {
  const what = `of the encoder's linear weights`;
  if (p.pattern) return `${p.pattern.n}:${p.pattern.m} magnitude pruning within groups of ${p.pattern.m} inputs (${p.schedule === 'gradual' ? `kept per group lowered from ${p.pattern.m} to ${p.pattern.n} on the cubic schedule` : 'one-shot'}) ${what}`;
  if (!ticket) return `magnitude pruning to ${p.sparsity} (${p.schedule}, ${p.scope}) ${what}`;
  const rewind = ticket.rewind.to === 'step' ? `fine-tuning step ${ticket.rewind.step}` : 'the pretrained weights';
  if (ticket.method === 'random') return `random ticket: ${p.sparsity} ${what} pruned at random, the rest rewound to ${rewind} and trained`;
  return `lottery ticket: iterative magnitude pruning to ${p.sparsity} ${what} in ${ticket.rounds.length} rounds, each rewinding to ${rewind}`;
}

/**
 * A regression head's scores in full. Its `accuracy` fields hold Pearson's r (`metric` says so), as
 * GLUE puts STS-B's correlation beside the other tasks' accuracies, so grids and reports read one number.
 */
function regressionFields(q: Measured, baseline: Measured): Record<string, unknown> {
  const [r, r0] = [q.regression!, baseline.regression!];
  return { pearson: r.pearson, spearman: r.spearman, mse: r.mse, fp32_pearson: r0.pearson, fp32_spearman: r0.spearman, fp32_mse: r0.mse };
}
