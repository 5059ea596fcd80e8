/**
 * `tltc compress`: a fine-tuned classifier compressed, exported and measured as deployed.
 * plan structure (remove heads and FFN neurons) -> recover (train within the budget with
 * magnitude-pruning masks and fake quantization in the graph) -> export and measure (fp32 and
 * the chosen format, read back through onnxruntime-node, against the original's fp32 export in
 * the same run) -> summarize (compress.json, DESIGN §4). Writes onnx/*.onnx, reference/model.onnx
 * and, when it trained, a checkpoint of the compressed model.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { prunableWeights, type PruningPlan } from '../compress/constraints.ts';
import { parseStructured, type StructuredPlan } from '../compress/structured.ts';
import { sampleExamples, type Task } from '../data/tasks.ts';
import { transformersJsMetadata } from '../export/transformersjs.ts';
import { resolveClassificationTask, resolveRegressionTask, type TaskColumns } from '../data/task_source.ts';
import { formatFile, parseWeightFormat, type WeightFormat } from '../export/weight_format.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { countParams, type Parameter } from '../nn/params.ts';
import { defaultThreads } from '../runtime/session.ts';
import { loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { linkFileAtomic, writeFileAtomic } from '../util/atomic.ts';
import { classifierBudget, freshOutDir, meanBaseline, splitEncoder, taskBaselines, trainClassifierCheckpoint, withRunLock } from './classifier_steps.ts';
import { exportAndMeasure, writeClassifier, type Measured, type Measurement, type ReferenceMeasurement } from './compress_measure.ts';
import { planStructure, recoveryConstraints, type Shaped } from './compress_steps.ts';
import { compressionSummary } from './compress_summary.ts';

export type { ReferenceMeasurement } from './compress_measure.ts';

export interface CompressOptions {
  checkpoint: string;
  /** A built-in task's name or the path of the user's files. */
  task: string;
  columns?: TaskColumns;
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
  /** Stops recovery training after the current step; the model so far is exported and measured. */
  signal?: AbortSignal;
  /** Called after every recovery training step. */
  onStep?: (progress: { step: number; fraction: number; loss: number }) => void;
}

/** What the options ask for, checked before any work. */
interface Plan {
  format: WeightFormat;
  pruning: PruningPlan | null;
  structured: StructuredPlan;
  task: Task;
  ck: Checkpoint;
  labels: string[];
  outDir: string;
  /** A one-output head on a numeric target: trained on squared error, scored by Pearson's r. */
  regression: boolean;
}

async function planCompression(options: CompressOptions): Promise<Plan> {
  const format = parseWeightFormat(options.quant);
  const sparsity = options.prune ?? 0;
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`--prune ${sparsity}: sparsity must be in [0, 1), e.g. 0.6`);
  const structured: StructuredPlan = options.structured ? parseStructured(options.structured) : { heads: 0, ffn: 0 };
  if (options.qat && format.kind === 'fp32') throw new Error('--qat needs a quantized --quant (int8, int4 or <bits>)');
  classifierBudget(options.budget ?? '2m', 1, 1);
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-classifier');
  const regression = ck.config.objective === 'regression';
  const task = regression ? await resolveRegressionTask(options.task, options.columns ?? {}, ck.dir) : await resolveClassificationTask(options.task, options.columns ?? {}, 'tltc compress');
  const labels = ck.config.labels ?? [];
  if (labels.length !== task.labels.length) throw new Error(`${ck.dir} was fine-tuned with ${labels.length} labels, task ${task.name} has ${task.labels.length}`);
  const outDir = freshOutDir(options.outDir, 'compress.json', 'a compressed model');
  const pruning: PruningPlan | null = sparsity > 0 ? { sparsity, schedule: options.schedule ?? 'gradual', scope: options.scope ?? 'global', rampEnd: 0.75 } : null;
  return { format, pruning, structured, task, ck, labels, outDir, regression };
}

export async function compress(options: CompressOptions): Promise<Record<string, unknown>> {
  const plan = await planCompression(options);
  return withRunLock(plan.outDir, () => runCompression(options, plan));
}

/** The original checkpoint's fp32 export, measured or (given a measurement of it) only written. */
async function measureReference(file: string, plan: Plan, m: Measurement, known?: ReferenceMeasurement): Promise<Measured> {
  const model = plan.ck.config.model;
  if (!known) return exportAndMeasure(file, model, plan.ck.params, { kind: 'fp32' }, { ...m, quantizeEmbeddings: false });
  // The same checkpoint exports to the same bytes: share the measured file where there is one.
  if (known.file && existsSync(known.file)) linkFileAtomic(known.file, file);
  else writeClassifier(file, model, plan.ck.params, { kind: 'fp32' }, m);
  return { ...known, file };
}

async function runCompression(options: CompressOptions, plan: Plan): Promise<Record<string, unknown>> {
  const { format, pruning, task, ck, labels, outDir, regression } = plan;
  const [threads, seed, batch, budget] = [options.threads ?? defaultThreads(), options.seed ?? 0, options.batchSize ?? 16, options.budget ?? '2m'];
  const encode = splitEncoder(ck, regression);
  const objective = regression ? ('regression' as const) : undefined;
  const quantizeEmbeddings = !options.fp32Embeddings;
  const splitName = options.split ?? 'test';
  const evalExamples = sampleExamples(task[splitName], options.examples);
  const m: Measurement = { split: encode(evalExamples), classes: labels.length, threads, quantizeEmbeddings, regression };
  const baseline = await measureReference(path.join(outDir, 'reference', 'model.onnx'), plan, m, options.reference);

  const train = encode(task.train);
  const shaped: Shaped = await planStructure(ck.config.model, new Map(ck.params), plan.structured, labels.length, train, { batch, threads, objective });
  const model = shaped.model;
  const params: Parameter[] = classifierParamSpecs(model, labels.length).map((spec) => ({ spec, data: shaped.weights.get(spec.name)! }));
  const constraints = recoveryConstraints(model, params, pruning, options.qat ? { format, quantizeEmbeddings } : null);
  const trains = shaped.report !== undefined || pruning !== null || options.qat === true || options.recover === true;
  let recovery: Record<string, unknown> | undefined;
  if (trains) {
    const record = { task: task.name, compress: { structured: plan.structured, prune: pruning, qat: options.qat === true } };
    const run = { model, labels, params, train, batch, budget, lr: options.lr, seed, threads, quiet: options.quiet, label: 'recover', constraints, objective, outDir, from: ck, record, signal: options.signal, onStep: options.onStep };
    const trained = await trainClassifierCheckpoint({ ...run, afterTraining: () => constraints.finish(params) });
    recovery = { budget, steps: trained.steps, train_s: trained.trainS, lr: trained.opt.lr, batch_size: batch };
  }

  const weights = new Map(params.map((p) => [p.spec.name, p.data]));
  const fp32File = path.join(outDir, 'onnx', 'model.onnx');
  // Nothing changed the weights: the deployable fp32 file is the reference itself.
  const fp32 = trains ? await exportAndMeasure(fp32File, model, weights, { kind: 'fp32' }, m) : copyMeasured(baseline, fp32File);
  const quantized = format.kind === 'fp32' ? fp32 : await exportAndMeasure(path.join(outDir, 'onnx', formatFile(format)), model, weights, format, m);
  const control = options.recover && !shaped.report && !pruning && !options.qat ? budget : undefined;
  const result = compressionSummary({
    ...{ task: task.name, split: splitName, examples: m.split.count, reference: ck.config.model, model, classes: labels.length, referenceParams: countParams(classifierParamSpecs(ck.config.model, labels.length)) },
    ...{ params, prunable: prunableWeights(model), format, quantizeEmbeddings, qat: options.qat === true, control, structured: shaped.report, pruning, maskUpdates: constraints.maskUpdates, recovery },
    ...{ baseline, fp32, quantized, threads, checkpoint: ck.dir, outDir },
    baselines: regression ? { mean: meanBaseline(task.train, evalExamples) } : taskBaselines(task, { [splitName]: evalExamples }, `${splitName}/${options.examples ?? 'all'}`)[splitName],
  });
  // The folder loads in transformers.js (and tltc predict --onnx) as it is, like tltc export's.
  for (const [name, text] of transformersJsMetadata(model, 'classifier', labels, ck.tokenizerJson, `${ck.dir}/tokenizer.json`, objective)) writeFileAtomic(path.join(outDir, name), text);
  writeFileAtomic(path.join(outDir, 'compress.json'), `${JSON.stringify(result, null, 2)}\n`);
  for (const w of result.warnings as string[]) process.stderr.write(`warning: ${w}\n`);
  return result;
}

function copyMeasured(from: Measured, file: string): Measured {
  linkFileAtomic(from.file, file);
  return { ...from, file };
}
