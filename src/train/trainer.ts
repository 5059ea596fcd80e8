/**
 * Masked-LM pretraining, as one story: set up data and model, then run the shared loop
 * (train_loop.ts) until the budget is spent.
 */
import path from 'node:path';
import { MlmBatcher, maskedPerSequence, validationBatches, VALIDATION_MASK_PROB, type MlmBatch } from '../data/mlm_batches.ts';
import { prepareCorpus, type CorpusMeta, type PreparedCorpus } from '../data/prepare.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import type { Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { mlmForwardFlops, type MlmShape } from '../nn/mlm.ts';
import { countParams, initParams, mlmParamSpecs, type Parameter, type ParamSpec } from '../nn/params.ts';
import { defaultThreads, type OptimizationLevel } from '../runtime/session.ts';
import { tokenizerToJson } from '../tokenizer/tokenizer_json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { formatBudget, parseBudget, type Budget } from './budget.ts';
import { listCheckpoints, loadCheckpoint, type Checkpoint, type TrainState } from './checkpoint.ts';
import { EarlyBert, type EarlyBertState } from './earlybert.ts';
import { optimizerConfig, peakLearningRate, resolveModel, type TrainConfig } from './config.ts';
import { MlmRunner, type StepResult } from './mlm_runner.ts';
import { prunedMatmulFlops, SparseTraining } from './rigl.ts';
import { prunableWeights } from '../compress/constraints.ts';
import { maskedUnigramPerplexity, resolveStartScales, startAtUnigram } from './unigram_start.ts';
import { RunLog, type MetricsRow } from './run_log.ts';
import { trainTranslation } from './seq2seq_trainer.ts';
import { inRunFolder, runToEnd, used, type TrainingJob } from './train_loop.ts';
import { checkTeacherTokenizer, distillationAt, loadTeacher, teacherStepFlops, withTeacherCost, type Teacher } from './distill_teacher.ts';
import { isDistillParam, type DistillOptions } from '../nn/distill.ts';
import { mlmLossParamSpecs } from '../nn/mlm.ts';

export type { MetricsRow } from './run_log.ts';

export interface TrainOptions {
  outDir: string;
  resume?: boolean;
  quiet?: boolean;
  optimization?: OptimizationLevel;
  /** Stops cleanly: the current step is evaluated and checkpointed, summary.json is not written, and --resume continues. */
  signal?: AbortSignal;
  /** Called after every step, for progress of one's own (a library caller's bar, a log). */
  onStep?: (progress: TrainProgress) => void;
  /** Called with every evaluation's metrics row, as metrics.jsonl records it. */
  onEvaluation?: (row: MetricsRow) => void;
}

export interface TrainProgress {
  step: number;
  /** Share of the budget used, 0..1. */
  fraction: number;
  loss: number;
  tokens_per_s: number;
}

export interface TrainResult {
  runDir: string;
  /** An encoder's config, or an encoder-decoder's for a translation task. */
  model: ModelConfig | Seq2SeqConfig;
  final: MetricsRow;
  checkpoint: string;
  unigramValPpl: number;
  /** What summary.json holds; empty when the run was stopped before its budget was spent. */
  summary: Record<string, unknown>;
  /** True when options.signal stopped the run early (its last checkpoint resumes it). */
  stopped?: boolean;
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

type Say = (line: string) => void;

export async function train(cfg: TrainConfig, options: TrainOptions): Promise<TrainResult> {
  if (cfg.task !== undefined) return trainTranslation(cfg, options);
  const runDir = path.resolve(options.outDir);
  const model = resolveModel(cfg);
  const budget = parseBudget(cfg.budget);
  return inRunFolder(runDir, options.resume, (hasRun) => trainLocked(cfg, model, budget, runDir, options, hasRun));
}

async function trainLocked(cfg: TrainConfig, model: ModelConfig, budget: Budget, runDir: string, options: TrainOptions, hasRun: boolean): Promise<TrainResult> {
  const say: Say = (line) => void (options.quiet || process.stderr.write(`${line}\n`));
  const run = await setUpRun(cfg, model, budget, runDir, options, hasRun, say);
  const log = new RunLog(runDir, { model, train: cfg, tokenizerJson: run.tokenizerJson }, cfg.keep_checkpoints, run.resumedFrom);
  try {
    const summaryExtra = run.teacher ? (final: MetricsRow) => withTeacherCost(run.teacher!, final) : undefined;
    const outcome = await runToEnd(mlmJob(run), run.state, log, { ...options, name: modelName(model), baseline: run.unigramValPpl, summaryExtra });
    return { runDir, model, unigramValPpl: run.unigramValPpl, ...outcome };
  } finally {
    await run.runner.release();
  }
}

/** Everything the loop needs: data, sessions holding the weights, and the state to continue from. */
interface Run {
  cfg: TrainConfig;
  budget: Budget;
  corpus: CorpusMeta;
  tokenizerJson: string;
  batcher: MlmBatcher;
  valBatches: MlmBatch[];
  runner: MlmRunner;
  state: TrainState;
  perStep: { tokens: number; flops: number };
  /** Training FLOPs of a dense step, from which a sparse run's masks subtract theirs. */
  denseFlops: number;
  /** The training unigram distribution's perplexity on the validation loss's own positions. */
  unigramValPpl: number;
  /** The checkpoint resumed from, if any. */
  resumedFrom?: { checkpoint: string; step: number };
  /** Sparse training's masks and their updates (cfg.sparse), or null for a dense run. */
  sparse: SparseTraining | null;
  /** EarlyBERT's search and ticket (cfg.earlybert), or null. */
  earlybert: EarlyBert | null;
  /** Distillation's teacher (cfg.distill), or null. */
  teacher: Teacher | null;
  /** The distillation the current runner trains with (layerwise imitation changes it by stage; none after it). */
  distill: DistillOptions | undefined;
  /** The model being trained: the config's, or EarlyBERT's ticket once found. */
  model: ModelConfig;
  /** A training session for `model` holding `params` (EarlyBERT's switch to its ticket builds one). */
  makeRunner: (model: ModelConfig, params: Parameter[], moments: StartingPoint['moments'], method?: { slimming?: { lambda: number }; distill?: DistillOptions }) => Promise<MlmRunner>;
  /** The run's initial weights again (EarlyBERT's 'rewind'). */
  initial: () => Parameter[];
  runDir: string;
  say: Say;
}

/** Prepares data, loads or initializes the model, builds its sessions and writes run.json. */
async function setUpRun(cfg: TrainConfig, model: ModelConfig, budget: Budget, runDir: string, options: TrainOptions, hasRun: boolean, say: Say): Promise<Run> {
  const threads = cfg.threads ?? defaultThreads();
  const teacher = cfg.distill ? loadTeacher(cfg.distill, model, cfg.data.seq_len) : null;
  const data = prepareData(cfg, model, options.quiet);
  const latest = options.resume ? listCheckpoints(runDir).at(-1) : undefined;
  if (options.resume && hasRun && !latest) say(`no complete checkpoint in ${runDir}: starting from the beginning`);
  const unigramFrom = cfg.init.output_bias === 'unigram' ? data.corpus.train : null;
  const tokenizerJson = JSON.stringify(tokenizerToJson(data.corpus.tokenizer));
  if (teacher) checkTeacherTokenizer(teacher, tokenizerJson);
  const { start, earlybert, runModel, specs, distill } = startingPoint(cfg, model, latest, unigramFrom, teacher, budget);
  const unigramValPpl = maskedUnigramPerplexity(data.corpus.train, model.vocab_size, data.valBatches);
  const sparse = sparseStart(cfg, model, start);
  if (latest) say(`resuming ${runDir} from ${path.basename(latest)} (step ${start.state.step}, ${fmt(start.state.train_s, 1)}s trained)`);
  const tokens = data.shape.batch * data.shape.seq;
  // Sparse runs count the FLOPs their masks would leave; the dense kernels do not get faster.
  const denseFlops = 3 * mlmForwardFlops(runModel, data.shape) + (teacher && distill ? teacherStepFlops(teacher, data.shape) : 0);
  const perStep = { tokens, flops: denseFlops - (sparse ? 3 * prunedMatmulFlops(sparse, start.params, tokens) : 0) };
  say(
    `model ${modelName(model)}: ${(countParams(specs) / 1e6).toFixed(2)}M params, ${model.n_heads} heads, d_ff ${model.d_ff}, ` +
      `${(perStep.flops / perStep.tokens / 1e6).toFixed(1)} MFLOP/token (train); batch ${data.shape.batch}x${data.shape.seq}, budget ${formatBudget(budget)}, ${threads} threads`,
  );
  const makeRunner: Run['makeRunner'] = (m, params, moments, method = {}) =>
    MlmRunner.create(m, data.shape, optimizerConfig(cfg), params, moments, { threads, optimization: options.optimization, seed: cfg.seed, evalShape: data.evalShape, sparse: sparse ? [...sparse.masks.keys()] : undefined, slimming: method.slimming, distill: teacher && method.distill ? { options: method.distill, teacher: teacher.params } : undefined });
  const searching = earlybert?.state.phase === 'search' ? { lambda: earlybert.config.lambda } : undefined;
  const runner = await makeRunner(runModel, start.params, start.moments, { slimming: searching, distill });
  const { corpus } = data;
  writeFileAtomic(
    path.join(runDir, 'run.json'),
    JSON.stringify({ config: cfg, model, seed: cfg.seed, optimizer: { ...optimizerConfig(cfg), lr_source: peakLearningRate(cfg).source }, start: startOf(cfg, model), ...(teacher ? { teacher: teacher.record } : {}), validation_mask_prob: VALIDATION_MASK_PROB, corpus: corpus.meta, machine: machineInfo(threads), started: new Date().toISOString() }, null, 2),
  );
  const resumedFrom = latest ? { checkpoint: latest, step: start.state.step } : undefined;
  const initial = () => freshStart(mlmParamSpecs(model), model, cfg, unigramFrom).params;
  const common = { cfg, budget, corpus: corpus.meta, tokenizerJson, batcher: data.batcher, valBatches: data.valBatches, runDir, say };
  return { ...common, runner, state: start.state, perStep, denseFlops, resumedFrom, unigramValPpl, sparse, earlybert, teacher, distill, model: runModel, makeRunner, initial };
}

/** The corpus (cached after the first run), the training batcher and the validation batches. */
function prepareData(cfg: TrainConfig, model: ModelConfig, quiet?: boolean): { corpus: PreparedCorpus; shape: MlmShape; evalShape: MlmShape; batcher: MlmBatcher; valBatches: MlmBatch[] } {
  const corpus = prepareCorpus(cfg.data.corpus, cfg.data.vocab_size, { quiet });
  const batchShape = { batch: cfg.batch_size, seq: cfg.data.seq_len, maskProb: cfg.data.mask_prob };
  const shape: MlmShape = { batch: cfg.batch_size, seq: cfg.data.seq_len, masked: cfg.batch_size * maskedPerSequence(cfg.data.seq_len, cfg.data.mask_prob) };
  const batcher = new MlmBatcher(corpus.train, batchShape, model.vocab_size, cfg.seed);
  const valShape = { ...batchShape, maskProb: VALIDATION_MASK_PROB };
  const valBatches = validationBatches(corpus.val, valShape, model.vocab_size, cfg.eval.sequences);
  const evalShape: MlmShape = { ...shape, masked: cfg.batch_size * maskedPerSequence(cfg.data.seq_len, VALIDATION_MASK_PROB) };
  return { corpus, shape, evalShape, batcher, valBatches };
}

interface StartingPoint {
  params: Parameter[];
  moments: { m: Float32Array[]; v: Float32Array[] } | null;
  state: TrainState;
  /** Sparse training's masks, from a checkpoint. */
  masks?: Map<string, Float32Array>;
}

/** Sparse training's masks: a checkpoint's, or drawn from the seed (zeroing the weights they prune). */
function sparseStart(cfg: TrainConfig, model: ModelConfig, start: StartingPoint): SparseTraining | null {
  if (!cfg.sparse) return null;
  const names = prunableWeights(model);
  if (!start.moments) return SparseTraining.start(cfg.sparse, start.params, names, cfg.seed);
  if (!start.masks || names.some((n) => !start.masks!.has(n))) throw new Error(`the checkpoint holds no ${cfg.sparse.method} masks: resume a sparse run with its own config, or start a new run`);
  return new SparseTraining(cfg.sparse, new Map(names.map((n) => [n, start.masks!.get(n)!])));
}

/** How the run's weights started, with the scales resolved (recorded in run.json). */
function startOf(cfg: TrainConfig, model: ModelConfig): Record<string, unknown> {
  if (cfg.init.output_bias !== 'unigram') return { output_bias: 'zeros' };
  const { headNorm, embeddings } = resolveStartScales(model, { headNorm: cfg.init.head_norm_scale, embeddings: cfg.init.embedding_scale });
  return { output_bias: 'unigram', head_norm_scale: headNorm, embedding_scale: embeddings };
}

/** Initial weights; with `unigramFrom` (the training tokens), starting at the unigram distribution. */
function freshStart(specs: ParamSpec[], model: ModelConfig, cfg: TrainConfig, unigramFrom: Uint16Array | null): StartingPoint {
  const params = initParams(specs, model, cfg.seed);
  if (unigramFrom) startAtUnigram(params, model, unigramFrom, { headNorm: cfg.init.head_norm_scale, embeddings: cfg.init.embedding_scale });
  return { params, moments: null, state: { step: 0, tokens: 0, flops: 0, train_s: 0 } };
}

/**
 * The weights to start from (fresh, or the newest checkpoint's) and, for EarlyBERT, its state:
 * in the search stage the parameters include the slimming coefficients; in the ticket stage the
 * model is the checkpoint's smaller one.
 */
function startingPoint(cfg: TrainConfig, model: ModelConfig, latest: string | undefined, unigramFrom: Uint16Array | null, teacher: Teacher | null, budget: Budget) {
  const ck = latest ? loadCheckpoint(latest, true) : null;
  const state = ck?.config.method_state as EarlyBertState | undefined;
  if (ck && Boolean(cfg.earlybert) !== Boolean(state)) throw new Error(`${latest} ${state ? 'is an EarlyBERT run' : 'holds no EarlyBERT state'}: resume with the run's own config, or start a new run`);
  const earlybert = cfg.earlybert ? new EarlyBert(cfg.earlybert, model, state) : null;
  const runModel = earlybert?.state.phase === 'ticket' ? ck!.config.model : model;
  const distill = teacher ? distillationAt(teacher, ck ? used(budget, ck.config.state) : 0, model.n_layers) : undefined;
  const specs = earlybert?.state.phase === 'search' ? EarlyBert.searchSpecs(model) : mlmLossParamSpecs(runModel, { distill });
  const start = ck ? fromCheckpoint(ck, specs, runModel) : freshStart(specs, model, cfg, unigramFrom);
  return { start, earlybert, runModel, specs, distill };
}

/** Weights, Adam moments and state from a checkpoint of this run, refusing one of another model. */
function fromCheckpoint(ck: Checkpoint, specs: ParamSpec[], model: ModelConfig): StartingPoint {
  const dir = ck.dir;
  if (JSON.stringify(ck.config.model) !== JSON.stringify(model)) {
    throw new Error(`${dir} holds model ${modelName(ck.config.model)}, but the config asks for ${modelName(model)}: resume with the run's own config`);
  }
  const missing = specs.find((s) => !ck.params.has(s.name));
  if (missing) throw new Error(`${dir} holds no ${missing.name}: resume with the run's own config (its method and distillation settings)`);
  return {
    params: specs.map((spec) => ({ spec, data: ck.params.get(spec.name)! })),
    moments: { m: specs.map((s) => ck.moments!.m.get(s.name)!), v: specs.map((s) => ck.moments!.v.get(s.name)!) },
    state: ck.config.state,
    ...(ck.masks ? { masks: ck.masks } : {}),
  };
}

/** The masked LM as the shared loop trains it: step k draws batch k - 1 of the seeded batcher. */
function mlmJob(run: Run): TrainingJob {
  return {
    budget: run.budget,
    eval: run.cfg.eval,
    perStep: run.perStep,
    step: async (step, progress, before) => {
      if (run.teacher?.imitation !== undefined) await followImitation(run, run.teacher, step, progress);
      const r = await (run.sparse ? sparseStep(run, run.sparse, step, progress) : run.runner.step(run.batcher.batch(step - 1), step, progress));
      if (run.earlybert && !r.nonFinite && run.earlybert.afterStep(step, progress, before.train_s, run.runner.params)) await switchToTicket(run, run.earlybert, step, before.train_s);
      return r;
    },
    evaluate: async () => {
      const { loss, routing } = await run.runner.evaluateWithRouting(run.valBatches);
      const metrics = { ...(run.sparse ? { sparsity: run.sparse.sparsity() } : {}), ...routing };
      return { loss, ...(Object.keys(metrics).length > 0 ? { metrics } : {}) };
    },
    weights: () => ({
      params: run.runner.params,
      m: run.runner.m,
      v: run.runner.v,
      model: run.model,
      ...(run.sparse ? { masks: run.sparse.masks } : {}),
      ...(run.earlybert ? { methodState: run.earlybert.state } : {}),
    }),
  };
}

/** EarlyBERT's search is over: the smaller model trains on in a new session, and ticket.json says what was found. */
async function switchToTicket(run: Run, earlybert: EarlyBert, step: number, trainS: number): Promise<void> {
  const { runner } = run;
  const t = earlybert.ticket(step, trainS, runner.params, runner.m, runner.v, run.initial, run.cfg.seed);
  await runner.release();
  run.runner = await run.makeRunner(t.model, t.params, t.moments);
  run.model = t.model;
  run.denseFlops = 3 * mlmForwardFlops(t.model, run.runner.shape);
  run.perStep.flops = run.denseFlops;
  writeFileAtomic(path.join(run.runDir, 'ticket.json'), `${JSON.stringify(t.record, null, 2)}\n`);
  run.say(`step ${step}: ${t.record.reason}; training the ticket ${t.record.model} (${t.record.weights === 'keep' ? 'weights kept' : 'weights rewound'}) for the rest of the budget`);
}

/**
 * Layerwise imitation moves to its next stage, or ends, where the budget says: the runner is
 * rebuilt for the new loss with the weights and moments it had (after imitation, without the
 * projections, which only the imitation losses use).
 */
async function followImitation(run: Run, teacher: Teacher, step: number, progress: number): Promise<void> {
  const want = distillationAt(teacher, progress, run.model.n_layers);
  if (want?.imitate === run.distill?.imitate) return;
  const { runner } = run;
  const keep = want ? runner.params.map(() => true) : runner.params.map((p) => !isDistillParam(p.spec.name));
  const pick = <T>(xs: readonly T[]) => xs.filter((_, i) => keep[i]);
  await runner.release();
  run.runner = await run.makeRunner(run.model, pick(runner.params), { m: pick(runner.m), v: pick(runner.v) }, { distill: want });
  run.distill = want;
  run.denseFlops = 3 * mlmForwardFlops(run.model, run.runner.shape) + (want ? teacherStepFlops(teacher, run.runner.shape) : 0);
  run.perStep.flops = run.denseFlops;
  run.say(want ? `step ${step}: layerwise imitation up to layer ${want.imitate}` : `step ${step}: layerwise imitation done; masked-LM training for the rest of the budget`);
}

/** A step under the masks; at RigL's update steps, with the dense gradients, then drop and grow. */
async function sparseStep(run: Run, sparse: SparseTraining, step: number, progress: number): Promise<StepResult> {
  const { runner } = run;
  const denseGrads = sparse.updatesAt(step, progress);
  const r = await runner.step(run.batcher.batch(step - 1), step, progress, { feeds: sparse.feeds(runner.params), denseGrads });
  if (denseGrads && !r.nonFinite) {
    sparse.update(step, progress, runner.params, runner.m, runner.v, r.denseGrads!);
    run.perStep.flops = run.denseFlops - 3 * prunedMatmulFlops(sparse, runner.params, run.perStep.tokens);
  }
  return r;
}
