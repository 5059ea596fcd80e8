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
import type { EncodedSplit } from '../train/classifier_data.ts';
import { transformersJsMetadata } from '../export/transformersjs.ts';
import { resolveClassificationTask, resolveRegressionTask, type TaskColumns } from '../data/task_source.ts';
import { formatFile, formatSchemes, parseWeightFormat, type NmFormat, type WeightFormat } from '../export/weight_format.ts';
import { nmSparsity, type NmPattern } from '../compress/nm.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { countParams, type Parameter } from '../nn/params.ts';
import { defaultThreads } from '../runtime/session.ts';
import { loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { linkFileAtomic, writeFileAtomic } from '../util/atomic.ts';
import { classifierBudget, freshOutDir, meanBaseline, splitEncoder, taskBaselines, trainClassifierCheckpoint, withRunLock } from './classifier_steps.ts';
import { exportAndMeasure, writeClassifier, type Measured, type Measurement, type ReferenceMeasurement } from './compress_measure.ts';
import { planStructure, recoveryConstraints, type Shaped } from './compress_steps.ts';
import { compressionSummary } from './compress_summary.ts';
import { searchLayers } from './compress_search.ts';
import { findTicket, parseRewind, pretrainedOf, rewindWeights, ticketSchedule, type TicketMethod, type TicketPlan } from './lottery.ts';

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
  /**
   * How the weights to prune are chosen: by magnitude while recovery training runs (default), as
   * a lottery ticket found by iterative magnitude pruning with rewinding ('imp'), or as a random
   * ticket of the same sparsity ('random'); the tickets train from the rewind point (lottery.ts).
   */
  method?: 'magnitude' | TicketMethod;
  /** imp: rounds of pruning (instead of `prune`), each removing `prunePerRound` of the surviving weights. */
  rounds?: number;
  prunePerRound?: number;
  /** Tickets: 'pretrained' or a fine-tuning step. */
  rewindTo?: string;
  schedule?: 'oneshot' | 'gradual';
  scope?: 'global' | 'layer';
  /** `heads=0.3,ffn=0.4`. */
  structured?: string;
  /** Quantization-aware training: fake-quantized weights in the graph during recovery training. */
  qat?: boolean;
  /** With quant 'search': the whole file's size budget in bytes (compress_search.ts). */
  maxBytes?: number;
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
  ticket: TicketPlan | null;
  /** --quant search: the format and pruning are chosen after loading, under this many bytes. */
  searchBytes?: number;
}

/** A lottery or random ticket's plan, or null for magnitude pruning; checked before any work. */
function planTicket(options: CompressOptions): TicketPlan | null {
  const method = options.method ?? 'magnitude';
  if (method === 'magnitude') {
    if (options.rounds !== undefined || options.prunePerRound !== undefined || options.rewindTo !== undefined) throw new Error('--rounds, --prune-per-round and --rewind-to belong to --method imp or random');
    return null;
  }
  if (options.structured) throw new Error(`--method ${method} prunes single weights of the full model: leave out --structured`);
  return { method, schedule: ticketSchedule(method, { prune: options.prune, rounds: options.rounds, perRound: options.prunePerRound }), rewindTo: parseRewind(options.rewindTo ?? 'pretrained') };
}

/** An N:M format prunes to its own pattern while recovery trains (gradually, within groups, unless --schedule oneshot). */
function nmPatternOf(format: NmFormat, options: CompressOptions, ticket: TicketPlan | null): NmPattern {
  if (options.prune !== undefined) throw new Error(`--quant ${options.quant} prunes to its ${format.n}:${format.m} pattern: leave out --prune`);
  if (ticket) throw new Error(`--quant ${options.quant} prunes to its ${format.n}:${format.m} pattern: --method ${ticket.method} does not apply`);
  return { n: format.n, m: format.m };
}

/** The per-layer search's settings checked, and the format it starts from (its choices come after loading). */
function planSearch(options: CompressOptions): NmFormat | null {
  if (options.quant !== 'search') {
    if (options.maxBytes !== undefined) throw new Error('--max-bytes sets the budget of --quant search: add --quant search, or leave it out');
    return null;
  }
  if (!(options.maxBytes !== undefined && options.maxBytes > 0)) throw new Error("--quant search needs --max-bytes SIZE, the file's budget (e.g. 1.2MB)");
  if (options.structured || options.prune !== undefined || (options.method ?? 'magnitude') !== 'magnitude') throw new Error('--quant search chooses each matrix\'s sparsity itself: leave out --structured, --prune and --method');
  return { kind: 'nm', n: 2, m: 4, values: 'int8', perWeight: {} };
}

async function planCompression(options: CompressOptions): Promise<Plan> {
  const search = planSearch(options);
  const format = search ?? parseWeightFormat(options.quant);
  const ticket = planTicket(options);
  const pattern = format.kind === 'nm' && !search ? nmPatternOf(format, options, ticket) : undefined;
  const sparsity = ticket ? ticket.schedule.at(-1)! : pattern ? nmSparsity(pattern) : (options.prune ?? 0);
  if (!(sparsity >= 0 && sparsity < 1)) throw new Error(`--prune ${sparsity}: sparsity must be in [0, 1), e.g. 0.6`);
  const structured: StructuredPlan = options.structured ? parseStructured(options.structured) : { heads: 0, ffn: 0 };
  if (options.qat && !formatSchemes(format)) throw new Error(`--qat needs a quantized --quant with uniform levels: int8, int4, <bits> or nmN:M:int8|q<bits> (got ${options.quant})`);
  classifierBudget(options.budget ?? '2m', 1, 1);
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-classifier');
  if (ck.config.model.n_experts !== undefined) throw new Error(`${ck.dir} has Switch expert layers, which tltc compress does not prune or quantize-train: export it with tltc export --quant int8,int4 instead`);
  const regression = ck.config.objective === 'regression';
  const task = regression ? await resolveRegressionTask(options.task, options.columns ?? {}, ck.dir) : await resolveClassificationTask(options.task, options.columns ?? {}, 'tltc compress');
  const labels = ck.config.labels ?? [];
  if (labels.length !== task.labels.length) throw new Error(`${ck.dir} was fine-tuned with ${labels.length} labels, task ${task.name} has ${task.labels.length}`);
  if (ticket) {
    pretrainedOf(ck);
    const steps = ck.config.state.step;
    if (typeof ticket.rewindTo === 'number' && ticket.rewindTo > steps) throw new Error(`--rewind-to ${ticket.rewindTo} is past the end of ${ck.dir}'s fine-tuning (${steps} steps): pick an earlier step`);
  }
  const outDir = freshOutDir(options.outDir, 'compress.json', 'a compressed model');
  const pruning: PruningPlan | null = sparsity > 0 ? { sparsity, schedule: ticket ? 'oneshot' : (options.schedule ?? 'gradual'), scope: ticket || pattern ? 'global' : (options.scope ?? 'global'), rampEnd: 0.75, ...(pattern ? { pattern } : {}) } : null;
  return { format, pruning, structured, task, ck, labels, outDir, regression, ticket, ...(search ? { searchBytes: options.maxBytes } : {}) };
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

interface TrainingSetup {
  train: EncodedSplit;
  batch: number;
  budget: string;
  seed: number;
  threads: number;
  objective?: 'regression';
  quantizeEmbeddings: boolean;
}

/** Recovery training with masks and fake quantization, or a ticket's rounds; the weights come back trained. */
async function trainCompressed(options: CompressOptions, plan: Plan, shaped: Shaped, t: TrainingSetup) {
  const { format, pruning, task, ck, labels, outDir, ticket } = plan;
  const model = shaped.model;
  const params: Parameter[] = classifierParamSpecs(model, labels.length).map((spec) => ({ spec, data: shaped.weights.get(spec.name)! }));
  const qat = options.qat ? { format, quantizeEmbeddings: t.quantizeEmbeddings } : null;
  const trains = shaped.report !== undefined || pruning !== null || options.qat === true || options.recover === true;
  if (!trains) return { params, maskUpdates: 0, trains };
  const record = { task: task.name, compress: { structured: plan.structured, prune: pruning, qat: options.qat === true, ...(ticket ? { ticket: ticket.method } : {}) } };
  const run = { model, labels, train: t.train, batch: t.batch, budget: t.budget, lr: options.lr, seed: t.seed, threads: t.threads, quiet: options.quiet, objective: t.objective, outDir, from: ck, record, signal: options.signal, onStep: options.onStep };
  if (ticket) {
    const rewind = await rewindWeights({ ck, model, classes: labels.length, train: t.train, threads: t.threads, objective: t.objective, quiet: options.quiet }, ticket.rewindTo);
    const found = await findTicket(ticket, new Map(ck.params), rewind.weights, { ...run, finalConstraints: (p, ps) => recoveryConstraints(model, ps, p, qat) });
    const steps = found.rounds.reduce((n, r) => n + (r.steps as number), 0);
    return { params: found.params, maskUpdates: found.constraints.maskUpdates, trains, recovery: { budget: t.budget, steps, batch_size: t.batch, ticket: { method: ticket.method, rewind: rewind.record, rounds: found.rounds } } };
  }
  const constraints = recoveryConstraints(model, params, pruning, qat);
  const trained = await trainClassifierCheckpoint({ ...run, params, label: 'recover', constraints, afterTraining: () => constraints.finish(params) });
  const recovery = { budget: t.budget, steps: trained.steps, train_s: trained.trainS, lr: trained.opt.lr, batch_size: t.batch };
  return { params, maskUpdates: constraints.maskUpdates, trains, recovery };
}

/** A plan whose format and pruning a per-layer search chose (or the plan as it was). */
async function searched(plan: Plan, train: EncodedSplit, run: { batch: number; threads: number; objective?: 'regression'; quantizeEmbeddings: boolean }): Promise<{ plan: Plan; search?: Record<string, unknown> }> {
  if (plan.searchBytes === undefined) return { plan };
  const params = classifierParamSpecs(plan.ck.config.model, plan.labels.length).map((spec) => ({ spec, data: plan.ck.params.get(spec.name)! }));
  const found = await searchLayers({ model: plan.ck.config.model, classes: plan.labels.length, params, train, ...run, maxBytes: plan.searchBytes });
  return { plan: { ...plan, format: found.format, pruning: found.pruning }, search: found.record };
}

async function runCompression(options: CompressOptions, given: Plan): Promise<Record<string, unknown>> {
  const { ck, regression, task, labels, outDir } = given;
  const [threads, seed, batch, budget] = [options.threads ?? defaultThreads(), options.seed ?? 0, options.batchSize ?? 16, options.budget ?? '2m'];
  const encode = splitEncoder(ck, regression);
  const objective = regression ? ('regression' as const) : undefined;
  const quantizeEmbeddings = !options.fp32Embeddings;
  const splitName = options.split ?? 'test';
  const evalExamples = sampleExamples(task[splitName], options.examples);
  const m: Measurement = { split: encode(evalExamples), classes: labels.length, threads, quantizeEmbeddings, regression };
  const baseline = await measureReference(path.join(outDir, 'reference', 'model.onnx'), given, m, options.reference);

  const train = encode(task.train);
  const { plan, search } = await searched(given, train, { batch, threads, objective, quantizeEmbeddings });
  const { format, pruning } = plan;
  const shaped: Shaped = await planStructure(ck.config.model, new Map(ck.params), plan.structured, labels.length, train, { batch, threads, objective });
  const model = shaped.model;
  const { params, maskUpdates, recovery, trains } = await trainCompressed(options, plan, shaped, { train, batch, budget, seed, threads, objective, quantizeEmbeddings });
  const weights = new Map(params.map((p) => [p.spec.name, p.data]));
  const fp32File = path.join(outDir, 'onnx', 'model.onnx');
  // Nothing changed the weights: the deployable fp32 file is the reference itself.
  const fp32 = trains ? await exportAndMeasure(fp32File, model, weights, { kind: 'fp32' }, m) : copyMeasured(baseline, fp32File);
  const quantized = format.kind === 'fp32' ? fp32 : await exportAndMeasure(path.join(outDir, 'onnx', formatFile(format)), model, weights, format, m);
  const control = options.recover && !shaped.report && !pruning && !options.qat ? budget : undefined;
  const summary = compressionSummary({
    ...{ task: task.name, split: splitName, examples: m.split.count, reference: ck.config.model, model, classes: labels.length, referenceParams: countParams(classifierParamSpecs(ck.config.model, labels.length)) },
    ...{ params, prunable: prunableWeights(model), format, quantizeEmbeddings, qat: options.qat === true, control, structured: shaped.report, pruning, maskUpdates, recovery },
    ...{ baseline, fp32, quantized, threads, checkpoint: ck.dir, outDir },
    baselines: regression ? { mean: meanBaseline(task.train, evalExamples) } : taskBaselines(task, { [splitName]: evalExamples }, `${splitName}/${options.examples ?? 'all'}`)[splitName],
  });
  const result: Record<string, unknown> = { ...summary, ...(search ? { search: { ...search, bytes: quantized.bytes } } : {}) };
  // The folder loads in transformers.js (and tltc predict --onnx) as it is, like tltc export's.
  for (const [name, text] of transformersJsMetadata(model, 'classifier', labels, ck.tokenizerJson, `${ck.dir}/tokenizer.json`, objective)) writeFileAtomic(path.join(outDir, name), text);
  if (plan.searchBytes !== undefined && quantized.bytes > plan.searchBytes) (result.warnings as string[]).push(`the searched file is ${quantized.bytes} bytes, over --max-bytes ${plan.searchBytes}: its graph took more than estimated; lower --max-bytes a little`);
  writeFileAtomic(path.join(outDir, 'compress.json'), `${JSON.stringify(result, null, 2)}\n`);
  for (const w of result.warnings as string[]) process.stderr.write(`warning: ${w}\n`);
  return result;
}

function copyMeasured(from: Measured, file: string): Measured {
  linkFileAtomic(from.file, file);
  return { ...from, file };
}
