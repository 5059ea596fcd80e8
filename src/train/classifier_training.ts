/**
 * The classifier's training loop, shared by fine-tuning and by compression's recovery training:
 * one-session steps (forward, backward, AdamW) over shuffled task batches until the budget is
 * spent, with optional in-graph pruning masks and fake quantization supplied by the caller.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { serializeGraph } from '../graph/index.ts';
import { buildClassifier, classifierGraphSpecs, type ClassifierGraph, type Objective } from '../nn/classifier.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Parameter, ParamSpec } from '../nn/params.ts';
import { createSession } from '../runtime/session.ts';
import { createProgress } from '../util/progress.ts';
import { Random } from '../util/random.ts';
import { budgetFraction, type Budget } from './budget.ts';
import { batchOf, rowInputs, type EncodedSplit } from './classifier_data.ts';
import { scoreBatches, type SplitScores } from './classifier_scores.ts';
import { scoreRegression, type RegressionScores } from './regression_scores.ts';
import type { OptimizerConfig } from './optimizer.ts';
import { parameterFeeds, runRowBatches, type Feeds } from './feeds.ts';
import { addOptimizerStep } from './step_graph.ts';
import { StepRunner } from './step_runner.ts';

/** What compression adds to training: keep-masks and fake-quantization offsets, fed every step. */
export interface WeightConstraints {
  pruned: readonly string[];
  fakeQuant: readonly string[];
  /** Before step `step` (1-based) at budget fraction `progress`: may update masks and zero weights, returns the feeds. */
  beforeStep(step: number, progress: number, params: readonly Parameter[]): Feeds;
}

/** The transformer classifier of `model`, or another `network`. */
export type ClassifierTrainingOptions = TrainingOptions & ({ model: ModelConfig; network?: undefined } | { model?: undefined; network: Network });

/** Training rows that make their own feeds (a labelling task's tokens), where `batchOf` does not apply. */
export interface TrainingRows {
  count: number;
  feeds(rows: Int32Array, batch: number, seq: number): Feeds;
}

interface TrainingOptions {
  classes: number;
  params: Parameter[];
  train: EncodedSplit | TrainingRows;
  batch: number;
  seq: number;
  opt: OptimizerConfig;
  budget: Budget;
  seed: number;
  threads: number;
  quiet?: boolean;
  label?: string;
  constraints?: WeightConstraints;
  /** Default classification; regression trains one output on squared error (`train.targets`). */
  objective?: Objective;
  /** Ends training after the current step (the caller saves what was trained). */
  signal?: AbortSignal;
  onStep?: (progress: ClassifierStepProgress) => void;
  /** EarlyBERT's search stage: `params` end with the slimming coefficients, under this L1 penalty. */
  slimming?: { lambda: number };
  /** (IA)^3: `params` end with its vectors (nn/ia3_weights.ts). */
  ia3?: boolean;
  /** Which parameters train (by name); the others are fed unchanged every step. Default: all. */
  trains?: (name: string) => boolean;
  /** Task distillation: the loss mixes in soft targets, which `rowFeeds` supplies for each batch's rows. */
  soft?: { alpha: number; temperature: number };
  /** Further feeds for the training rows of a step (a teacher's logits), in batch order. */
  rowFeeds?: (rows: Int32Array) => Feeds;
  /** Further feeds drawn for step `step` (1-based), a function of the step so a resumed run draws the same. */
  stepFeeds?: (step: number) => Feeds;
  /** Continue an interrupted run: `params` hold its weights; these are its counters and Adam moments (in `params` order). */
  start?: TrainingState;
  /** Called after a step once `intervalS` training seconds passed since the last call (not after the last step): the caller saves a checkpoint to resume from. */
  snapshot?: { intervalS: number; save: (state: TrainingState) => void };
}

/** A trainable network for this loop: its parameter specs, and its training graph (labels in) for a batch shape. */
export interface Network {
  specs: ParamSpec[];
  /** The dropout ratio its graphs are built with (default 0). */
  dropout?: number;
  build(shape: { batch: number; seq: number }): ClassifierGraph;
}

/** Where a classifier training stands: what a snapshot saves and `start` resumes. */
export interface TrainingState {
  steps: number;
  trainS: number;
  tokens: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** After each step: its number, the budget used, the loss, and the training seconds so far. */
export interface ClassifierStepProgress {
  step: number;
  fraction: number;
  loss: number;
  trainS: number;
}

export interface ClassifierTrainingResult {
  steps: number;
  trainS: number;
  tokens: number;
  m: Float32Array[];
  v: Float32Array[];
}

export async function trainClassifier(o: ClassifierTrainingOptions): Promise<ClassifierTrainingResult> {
  const { batch, seq, train, budget } = o;
  const specs = o.network ? o.network.specs : classifierGraphSpecs(o.model, o.classes, { slimming: o.slimming !== undefined, ia3: o.ia3 });
  const trainGraph = o.network ? o.network.build({ batch, seq }) : buildClassifier(o.model, o.classes, { batch, seq }, { dropout: o.model.dropout, withLabels: true, objective: o.objective, pruned: o.constraints?.pruned, fakeQuant: o.constraints?.fakeQuant, slimming: o.slimming, ia3: o.ia3, soft: o.soft });
  const trains = specs.map((s) => o.trains?.(s.name) ?? true);
  const pick = <T>(xs: readonly T[], want = true) => xs.filter((_, i) => trains[i] === want);
  addOptimizerStep(trainGraph.loss!, pick(trainGraph.params), pick(specs).map((s) => s.decay), o.opt, trainGraph.pruneMasks);
  // Frozen parameters are graph inputs like the rest, fed the same tensors every step.
  const frozen = parameterFeeds(pick(o.params, false));
  const runner = await StepRunner.create(
    { bytes: serializeGraph(trainGraph.graph), dropoutMasks: trainGraph.dropoutMasks.map((m) => m.shape as number[]) },
    pick(o.params),
    o.start ? { m: pick(o.start.m), v: pick(o.start.v) } : null,
    { ratio: o.model?.dropout ?? o.network?.dropout ?? 0, seed: o.seed },
    { threads: o.threads },
  );
  const data = new BatchOrder(train.count, batch, o.seed);
  let { steps, trainS, tokens } = o.start ?? { steps: 0, trainS: 0, tokens: 0 };
  data.skip(steps);
  let snapshotAt = trainS;
  // Moments line up with `params`; a frozen parameter's are zeros.
  const moments = (trained: readonly Float32Array[]) => {
    let k = 0;
    return o.params.map((p, i) => (trains[i] ? trained[k++] : new Float32Array(p.data.length)));
  };
  const label = o.label ?? 'finetune';
  const bar = createProgress(label, 1000, { quiet: o.quiet, format: `${label} {bar} {percentage}% | step {step} | loss {loss} | ETA {eta_formatted}`, initial: { step: 0, loss: '-' } });
  try {
    while (budgetFraction(budget, { step: steps, tokens, trainSeconds: trainS }) < 1 && !o.signal?.aborted) {
      const t0 = performance.now();
      const rows = data.next();
      const progress = budgetFraction(budget, { step: steps, tokens, trainSeconds: trainS });
      const extra = o.constraints?.beforeStep(steps + 1, progress, runner.params) ?? {};
      const inputs = 'feeds' in train ? train.feeds(rows, batch, seq) : inputsOf(batchOf(train, rows, batch, seq), o.objective);
      const r = await runner.step({ ...inputs, ...o.rowFeeds?.(rows), ...o.stepFeeds?.(steps + 1), ...frozen, ...extra }, steps + 1, progress);
      if (r.nonFinite) throw new Error(`${label} diverged at step ${steps + 1}: ${r.nonFinite} is not finite; lower --lr`);
      steps++;
      tokens += batch * seq;
      trainS += (performance.now() - t0) / 1000;
      const fraction = budgetFraction(budget, { step: steps, tokens, trainSeconds: trainS });
      bar.update(Math.round(1000 * fraction), { step: steps, loss: r.loss.toFixed(3) });
      o.onStep?.({ step: steps, fraction, loss: r.loss, trainS });
      if (o.snapshot && fraction < 1 && trainS - snapshotAt >= o.snapshot.intervalS) {
        o.snapshot.save({ steps, trainS, tokens, m: moments(runner.m), v: moments(runner.v) });
        snapshotAt = trainS;
      }
    }
  } finally {
    bar.stop();
    await runner.release();
  }
  return { steps, trainS, tokens, m: moments(runner.m), v: moments(runner.v) };
}

/** A batch's feeds for the objective: an embedding head learns from its teacher's rows (rowFeeds), not from labels. */
function inputsOf(b: ReturnType<typeof batchOf>, objective: Objective | undefined): Feeds {
  if (objective !== 'embedding') return b;
  const { labels: _labels, ...inputs } = b;
  return inputs;
}

/**
 * The training rows of each step: the split shuffled (seeded), taken a batch at a time, shuffled
 * again when a batch no longer fits. A function of (seed, step), so a resumed run replays it.
 */
class BatchOrder {
  private readonly rng: Random;
  private order: Int32Array;
  private cursor = 0;

  constructor(
    private readonly count: number,
    private readonly batch: number,
    seed: number,
  ) {
    this.rng = new Random(seed, 0x66696e65);
    this.order = this.rng.shuffle(Int32Array.from({ length: count }, (_, i) => i));
  }

  next(): Int32Array {
    if (this.cursor + this.batch > this.count) {
      this.order = this.rng.shuffle(this.order);
      this.cursor = 0;
    }
    this.cursor += this.batch;
    return this.order.subarray(this.cursor - this.batch, this.cursor);
  }

  /** Moves past the batches of `steps` steps already trained. */
  skip(steps: number): void {
    for (let i = 0; i < steps; i++) this.next();
  }
}

/** The evaluation graph (no dropout, no labels), for `scoreSplit`. */
export async function classifierEvaluator(model: ModelConfig, classes: number, batch: number, seq: number, threads: number): Promise<InferenceSession> {
  const evalGraph = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false });
  evalGraph.graph.output(evalGraph.logits, 'logits');
  return createSession(serializeGraph(evalGraph.graph), { threads });
}

/** A regression head's predictions for every row of the split, scored against its targets. */
export async function scoreRegressionSplit(session: InferenceSession, params: readonly Parameter[], split: EncodedSplit, batch: number, seq: number): Promise<RegressionScores> {
  const predicted = new Float32Array(split.count);
  await runRowBatches(session, params, split.count, batch, rowInputs(split, batch, seq), (out, start, n) => predicted.set((out.logits.data as Float32Array).subarray(0, n), start));
  return scoreRegression(predicted, split.targets!);
}

/** The evaluator's logits (rows, classes) for every row of the split, in order. */
export async function splitLogits(session: InferenceSession, params: readonly Parameter[], split: EncodedSplit, classes: number, batch: number, seq: number): Promise<Float32Array> {
  const out = new Float32Array(split.count * classes);
  await runRowBatches(session, params, split.count, batch, rowInputs(split, batch, seq), (r, start, n) => out.set((r.logits.data as Float32Array).subarray(0, n * classes), start * classes));
  return out;
}

export async function scoreSplit(session: InferenceSession, params: readonly Parameter[], split: EncodedSplit, classes: number, batch: number, seq: number): Promise<SplitScores> {
  return scoreBatches(split, classes, batch, async (start, n) => {
    const { input_ids, attention_mask } = batchOf(split, Array.from({ length: n }, (_, i) => start + i), batch, seq);
    return (await session.run(parameterFeeds(params, { input_ids, attention_mask }) as never)).logits.data as Float32Array;
  });
}
