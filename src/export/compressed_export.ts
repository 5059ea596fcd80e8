/**
 * `tltc compress`: from a fine-tuned classifier, optionally removes heads and FFN neurons
 * (structured), prunes weights by magnitude (one-shot or gradual) and/or trains with fake
 * quantization, recovering accuracy by training on the task within a budget; then exports the
 * result in fp32 and in the chosen weight format and measures every file through
 * onnxruntime-node against the fp32 export of the original checkpoint, in the same run.
 * Writes onnx/*.onnx, reference/model.onnx, a checkpoint of the compressed model, and
 * compress.json (DESIGN §4).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadTask, sampleExamples } from '../data/tasks.ts';
import { buildClassifierExport } from './encoder_graph.ts';
import { containerBits, formatSchemes, type WeightFormat } from './weight_format.ts';
import { onnxFileEntry } from './onnx_file.ts';
import { formatFile, parseWeightFormat } from './weight_format.ts';
import { serializeGraph } from '../graph/index.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import { countParams, type Parameter } from '../nn/params.ts';
import { createSession, defaultThreads } from '../runtime/session.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { parseBudget } from '../train/budget.ts';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.ts';
import { encodeExamples, type EncodedSplit } from '../train/classifier_data.ts';
import { trainClassifier } from '../train/classifier_training.ts';
import { acquireRunLock } from '../train/lock.ts';
import type { OptimizerConfig } from '../train/optimizer.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { CompressionConstraints, prunableWeights, type PruningPlan } from '../compress/constraints.ts';
import { medianLatency, scoreOnnx } from './measure.ts';
import type { QuantScheme } from '../compress/quantize.ts';
import { parseStructured, removeStructures, selectKept, structureImportance, type StructuredPlan } from '../compress/structured.ts';

export interface CompressOptions {
  checkpoint: string;
  task: string;
  quant: string;
  outDir: string;
  /** Final unstructured sparsity of the encoder's linear weights, in [0, 1). */
  prune?: number;
  schedule?: 'oneshot' | 'gradual';
  scope?: 'global' | 'layer';
  /** `heads=0.3,ffn=0.4`. */
  structured?: string;
  /** Quantization-aware training: fake-quantized weights in the graph during recovery training. */
  qat?: boolean;
  /** Keep the embeddings fp32 instead of quantizing them with the other weights. */
  fp32Embeddings?: boolean;
  /** Recovery training after structured or magnitude pruning, or for QAT. */
  budget?: string;
  /** Train for `budget` even with nothing pruned: the control that separates compression from extra training. */
  recover?: boolean;
  lr?: number;
  batchSize?: number;
  seed?: number;
  threads?: number;
  split?: 'val' | 'test';
  /** Measure accuracy on this many examples of the split (a fixed random subset) instead of all. */
  examples?: number;
  /** The reference fp32 measurement of this checkpoint with the same split, examples and threads, to reuse instead of repeating. */
  reference?: ReferenceMeasurement;
  quiet?: boolean;
}

function describeFormat(f: WeightFormat, fp32Embeddings: boolean): string {
  const emb = fp32Embeddings || f.kind === 'fp32' ? '' : '; embeddings symmetric in the same blocks';
  if (f.kind === 'fp32') return 'fp32 weights';
  if (f.kind === 'int8') return `int8 weights per output channel (7-bit range), dynamic uint8 activations (DynamicQuantizeLinear + MatMulInteger)${fp32Embeddings ? '' : '; embeddings 8-bit symmetric in blocks of 32'}`;
  const stored = containerBits(f.bits) === f.bits ? '' : `, stored as ${containerBits(f.bits)}-bit`;
  return `${f.bits}-bit weights, asymmetric, ${f.block === 'channel' ? 'per output channel' : `blocks of ${f.block}`} (MatMulNBits${stored})${emb}`;
}

const EMBEDDINGS = ['roberta.embeddings.word_embeddings.weight', 'roberta.embeddings.position_embeddings.weight'];

export interface ReferenceMeasurement {
  bytes: number;
  accuracy: number;
  macro_f1: number;
  latency_ms: { batch1: number; batch8: number };
}

interface Measured extends ReferenceMeasurement {
  file: string;
}

export async function compress(options: CompressOptions): Promise<Record<string, unknown>> {
  const format = parseWeightFormat(options.quant);
  const sparsity = options.prune ?? 0;
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`--prune ${sparsity}: sparsity must be in [0, 1), e.g. 0.6`);
  const structured: StructuredPlan = options.structured ? parseStructured(options.structured) : { heads: 0, ffn: 0 };
  if (options.qat && format.kind === 'fp32') throw new Error('--qat needs a quantized --quant (int8, int4 or <bits>)');
  const task = loadTask(options.task);
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-classifier');
  const labels = ck.config.labels ?? [];
  if (labels.length !== task.labels.length) throw new Error(`${ck.dir} was fine-tuned with ${labels.length} labels, task ${task.name} has ${task.labels.length}`);
  const outDir = path.resolve(options.outDir);
  if (existsSync(path.join(outDir, 'compress.json'))) throw new Error(`${outDir} already holds a compressed model: choose another --out`);
  const release = acquireRunLock(outDir);
  try {
    return await run(options, { format, sparsity, structured, task, ck, labels, outDir });
  } finally {
    release();
  }
}

async function run(
  options: CompressOptions,
  ctx: {
    format: WeightFormat;
    sparsity: number;
    structured: StructuredPlan;
    task: ReturnType<typeof loadTask>;
    ck: ReturnType<typeof loadCheckpoint>;
    labels: string[];
    outDir: string;
  },
): Promise<Record<string, unknown>> {
  const { format, sparsity, structured, task, ck, labels, outDir } = ctx;
  const classes = labels.length;
  const threads = options.threads ?? defaultThreads();
  const seed = options.seed ?? 0;
  const tok = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
  const reference: ModelConfig = ck.config.model;
  const seq = reference.max_len;
  const evalSplit = encodeExamples(tok, sampleExamples(task[options.split ?? 'test'], options.examples), seq);
  const quantizeEmbeddings = !options.fp32Embeddings;

  const measure = async (file: string, model: ModelConfig, params: ReadonlyMap<string, Float32Array>, f: WeightFormat): Promise<Measured> => {
    writeFileAtomic(file, serializeGraph(buildClassifierExport({ model, numLabels: classes, params, format: f, quantizeEmbeddings })));
    const session = await createSession(readFileSync(file), { threads }); // measured from the file as deployed
    try {
      const scores = await scoreOnnx(session, evalSplit, seq, classes);
      const latencySeq = Math.min(128, seq);
      const latency_ms = { batch1: await medianLatency(session, 1, latencySeq), batch8: await medianLatency(session, 8, latencySeq) };
      return { file, bytes: statSync(file).size, ...scores, latency_ms };
    } finally {
      await session.release();
    }
  };
  const referenceFile = path.join(outDir, 'reference', 'model.onnx');
  let baseline: Measured;
  if (options.reference) {
    writeFileAtomic(referenceFile, serializeGraph(buildClassifierExport({ model: reference, numLabels: classes, params: ck.params, format: { kind: 'fp32' } })));
    baseline = { ...options.reference, file: referenceFile };
  } else baseline = await measure(referenceFile, reference, ck.params, { kind: 'fp32' });

  // 1. Structured pruning: rank on training batches, remove, recover below.
  let model = reference;
  let weights: Map<string, Float32Array> = new Map(ck.params);
  let structuredReport: Record<string, unknown> | undefined;
  const train: EncodedSplit = encodeExamples(tok, task.train, seq);
  const batch = options.batchSize ?? 16;
  if (structured.heads > 0 || structured.ffn > 0) {
    const specs = classifierParamSpecs(model, classes);
    const params = specs.map((spec) => ({ spec, data: weights.get(spec.name)! }));
    const importance = await structureImportance(model, classes, params, train, { batch, seq, batches: 16, threads });
    const keptHeads = selectKept(importance.heads, structured.heads);
    const keptNeurons = selectKept(importance.neurons, structured.ffn);
    const smaller = removeStructures(model, weights, keptHeads, keptNeurons);
    const heads = importance.heads.reduce((n, h) => n + h.length, 0);
    const neurons = importance.neurons.reduce((n, h) => n + h.length, 0);
    structuredReport = {
      importance: 'first-order Taylor |sum W * dL/dW| over each structure, 16 training batches, normalized per layer',
      heads_removed: heads - keptHeads.reduce((n, k) => n + k.length, 0),
      heads_total: heads,
      neurons_removed: neurons - keptNeurons.reduce((n, k) => n + k.length, 0),
      neurons_total: neurons,
      layer_heads: smaller.model.layer_heads,
      layer_ffn: smaller.model.layer_ffn,
    };
    model = smaller.model;
    weights = smaller.params;
  }

  // 2. Recovery training, with magnitude pruning and fake quantization in the graph.
  const scheme = formatSchemes(format);
  const needsTraining = structuredReport !== undefined || sparsity > 0 || options.qat === true || options.recover === true;
  const specs = classifierParamSpecs(model, classes);
  const params: Parameter[] = specs.map((spec) => ({ spec, data: weights.get(spec.name)! }));
  const pruning: PruningPlan | null = sparsity > 0 ? { sparsity, schedule: options.schedule ?? 'gradual', scope: options.scope ?? 'global', rampEnd: 0.75 } : null;
  let fakeQuant: Map<string, QuantScheme> | null = null;
  if (options.qat && scheme) {
    // Every exported linear weight (the classifier head too) and, when quantized, the embeddings.
    fakeQuant = new Map(specs.filter((s) => s.shape.length === 2 && !s.name.startsWith('roberta.embeddings.')).map((s) => [s.name, scheme.linear]));
    const g = scheme.embeddings.granularity;
    if (quantizeEmbeddings && (g.kind !== 'group' || model.d_model % g.size === 0)) for (const name of EMBEDDINGS) fakeQuant.set(name, scheme.embeddings);
  }
  const constraints = new CompressionConstraints(prunableWeights(model), pruning, fakeQuant);
  let recovery: Record<string, unknown> | undefined;
  if (needsTraining) {
    const budget = parseBudget(options.budget ?? '2m');
    const opt: OptimizerConfig = { lr: options.lr ?? 1e-4, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, warmup_steps: 20, schedule: 'linear', min_lr_ratio: 0 };
    const trained = await trainClassifier({ model, classes, params, train, batch, seq, opt, budget, seed, threads, quiet: options.quiet, label: 'recover', constraints });
    constraints.finish(params);
    recovery = { budget: options.budget ?? '2m', steps: trained.steps, train_s: trained.trainS, lr: opt.lr, batch_size: batch };
    saveCheckpoint(
      outDir,
      {
        modelType: 'tltc-classifier',
        labels,
        model,
        train: { task: task.name, from: ck.dir, compress: { structured, prune: pruning, qat: options.qat === true }, batch_size: batch, optimizer: opt, seed },
        state: { step: trained.steps, tokens: trained.tokens, flops: 0, train_s: trained.trainS },
        params,
        m: trained.m,
        v: trained.v,
        tokenizerJson: ck.tokenizerJson,
      },
      1,
    );
  }
  const finalWeights = new Map(params.map((p) => [p.spec.name, p.data]));

  // 3. Export and measure.
  const fp32File = path.join(outDir, 'onnx', 'model.onnx');
  let fp32: Measured;
  if (needsTraining) fp32 = await measure(fp32File, model, finalWeights, { kind: 'fp32' });
  else {
    // Nothing changed the weights: the deployable fp32 file is the reference itself.
    writeFileAtomic(fp32File, readFileSync(baseline.file));
    fp32 = { ...baseline, file: fp32File };
  }
  const q = format.kind === 'fp32' ? fp32 : await measure(path.join(outDir, 'onnx', formatFile(format)), model, finalWeights, format);
  const prunable = new Set(prunableWeights(model));
  let prunableCount = 0;
  let prunableZeros = 0;
  let nonzero = 0;
  for (const p of params) {
    for (const v of p.data) {
      if (v !== 0) nonzero++;
      else if (prunable.has(p.spec.name)) prunableZeros++;
    }
    if (prunable.has(p.spec.name)) prunableCount += p.data.length;
  }
  const bitsPerWeight = format.kind === 'fp32' ? 32 : format.kind === 'int8' ? 8 : containerBits(format.bits);
  // Bitmap encoding of the pruned matrices: one bit per position plus the non-zero values.
  const sparseBytes = q.bytes - (prunableCount * bitsPerWeight) / 8 + prunableCount / 8 + ((prunableCount - prunableZeros) * bitsPerWeight) / 8;
  const methods = [
    structuredReport ? `structured: ${structuredReport.heads_removed}/${structuredReport.heads_total} heads and ${structuredReport.neurons_removed}/${structuredReport.neurons_total} FFN neurons removed` : '',
    pruning ? `magnitude pruning to ${sparsity} (${pruning.schedule}, ${pruning.scope}) of the encoder's linear weights` : '',
    options.qat ? 'quantization-aware training (fake quantization, straight-through gradient)' : '',
    options.recover && !structuredReport && !pruning && !options.qat ? `further training for ${options.budget ?? '2m'} (control)` : '',
    describeFormat(format, !quantizeEmbeddings),
  ].filter(Boolean);
  const result = {
    method: methods.join('; '),
    task: task.name,
    split: options.split ?? 'test',
    examples: evalSplit.count,
    model: modelName(reference),
    accuracy: q.accuracy,
    macro_f1: q.macro_f1,
    fp32_accuracy: baseline.accuracy,
    fp32_macro_f1: baseline.macro_f1,
    accuracy_delta_points: 100 * (q.accuracy - baseline.accuracy),
    params: countParams(specs),
    fp32_params: countParams(classifierParamSpecs(reference, classes)),
    nonzero_params: nonzero,
    sparsity: prunableCount > 0 ? prunableZeros / prunableCount : 0,
    bytes: q.bytes,
    fp32_bytes: baseline.bytes,
    ...(prunableZeros > 0 ? { sparse_bytes: Math.round(sparseBytes), sparse_encoding: 'pruned encoder matrices as a 1-bit-per-weight bitmap plus their non-zero values' } : {}),
    latency_seq: Math.min(128, seq),
    latency_ms: q.latency_ms,
    fp32_latency_ms: baseline.latency_ms,
    compressed_fp32: { accuracy: fp32.accuracy, bytes: fp32.bytes, latency_ms: fp32.latency_ms },
    threads,
    onnx: path.relative(outDir, q.file),
    checkpoint: ck.dir,
    ...(structuredReport ? { structured: structuredReport } : {}),
    ...(pruning ? { prune: { ...pruning, mask_updates: constraints.maskUpdates } } : {}),
    ...(recovery ? { recovery } : {}),
    quantization: { format, qat: options.qat === true, embeddings: quantizeEmbeddings && format.kind !== 'fp32' ? 'quantized' : 'fp32' },
    // Checksums, so a file handed back later (tltc eval --onnx) is verified.
    onnx_files: [...new Set([referenceFile, fp32File, q.file])].map((f) => onnxFileEntry(outDir, f, readFileSync(f))),
  };
  writeFileAtomic(path.join(outDir, 'compress.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
