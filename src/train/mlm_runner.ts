/** The masked-LM's train and eval sessions: batches in, loss out. */
import type { InferenceSession } from 'onnxruntime-node';
import type { MlmBatch } from '../data/mlm_batches.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { MlmShape } from '../nn/mlm.ts';
import type { Parameter } from '../nn/params.ts';
import { TEACHER_PREFIX, type DistillOptions } from '../nn/distill.ts';
import { createSession, ortTensor, type OptimizationLevel } from '../runtime/session.ts';
import type { OptimizerConfig } from './optimizer.ts';
import { parameterFeeds, type Feeds } from './feeds.ts';
import { buildEvalStep, buildTrainStep } from './step_graph.ts';
import { StepRunner, type StepResult } from './step_runner.ts';

export type { StepResult } from './step_runner.ts';

export interface RunnerOptions {
  threads?: number;
  optimization?: OptimizationLevel;
  /** Idle intra-op threads spin (see runtime/session.ts); measured in scripts/bench/threads.ts. */
  spinning?: boolean;
  seed?: number;
  /** Build only the eval graph (evaluation of a checkpoint). */
  evalOnly?: boolean;
  /** The evaluation batches' shape, when their mask rate differs from training's. */
  evalShape?: MlmShape;
  /** Weights trained under keep-masks fed with each step (sparse training, rigl.ts). */
  sparse?: readonly string[];
  /** EarlyBERT's search stage: the parameters end with slimming coefficients under this L1 penalty. */
  slimming?: { lambda: number };
  /** Distillation: the loss and the teacher's weights, fed with every step. */
  distill?: { options: DistillOptions; teacher: readonly Parameter[] };
}

export class MlmRunner {
  private constructor(
    readonly shape: MlmShape,
    readonly evalShape: MlmShape,
    private readonly trainer: StepRunner | null,
    private readonly evaluator: InferenceSession,
    readonly params: Parameter[],
    private readonly teacherFeeds: Feeds,
  ) {}

  static async create(model: ModelConfig, shape: MlmShape, opt: OptimizerConfig, params: Parameter[], moments: { m: Float32Array[]; v: Float32Array[] } | null, options: RunnerOptions = {}): Promise<MlmRunner> {
    const runtime = { threads: options.threads, optimization: options.optimization, spinning: options.spinning };
    const seed = options.seed ?? 0;
    const method = { slimming: options.slimming, distill: options.distill?.options };
    const trainer = options.evalOnly ? null : await StepRunner.create(buildTrainStep(model, shape, opt, options.sparse, method), params, moments, { ratio: model.dropout, seed }, runtime);
    const evalShape = options.evalShape ?? shape;
    const evaluator = await createSession(buildEvalStep(model, evalShape, options.slimming !== undefined), runtime);
    const teacherFeeds = Object.fromEntries((options.distill?.teacher ?? []).map((p) => [`${TEACHER_PREFIX}${p.spec.name}`, ortTensor('float32', p.data, p.spec.shape)]));
    return new MlmRunner(shape, evalShape, trainer, evaluator, params, teacherFeeds);
  }

  get m(): Float32Array[] {
    return this.requireTrainer().m;
  }

  get v(): Float32Array[] {
    return this.requireTrainer().v;
  }

  private requireTrainer(): StepRunner {
    if (!this.trainer) throw new Error('this runner was created for evaluation only');
    return this.trainer;
  }

  private batchFeeds(batch: MlmBatch, shape: MlmShape): Feeds {
    const { batch: b, seq, masked } = shape;
    return {
      input_ids: ortTensor('int64', batch.inputIds, [b, seq]),
      masked_positions: ortTensor('int64', batch.maskedPositions, [masked]),
      labels: ortTensor('int64', batch.labels, [masked]),
    };
  }

  /** One step; `extra` feeds sparse training's masks and asks for the dense gradients. */
  step(batch: MlmBatch, step: number, progress: number, extra: { feeds?: Feeds; denseGrads?: boolean } = {}): Promise<StepResult> {
    return this.requireTrainer().step({ ...this.batchFeeds(batch, this.shape), ...this.teacherFeeds, ...extra.feeds }, step, progress, { denseGrads: extra.denseGrads });
  }

  /** The parameters the evaluation graph takes: all but distillation's projections, which only the training step uses. */
  private get modelParams(): Parameter[] {
    const inputs = new Set(this.evaluator.inputNames);
    return this.params.filter((p) => inputs.has(p.spec.name));
  }

  /** Mean masked-LM loss over `batches` (equal masked counts, so the mean of batch means). */
  async evaluate(batches: readonly MlmBatch[]): Promise<number> {
    return (await this.evaluateWithRouting(batches)).loss;
  }

  /**
   * The mean loss and, for a Switch model, its routing over the same batches: `expert_load_max`,
   * the busiest expert's share of tokens times the expert count (1 is a uniform load, E all on
   * one), averaged over layers; `expert_dropped`, the share of tokens dropped, over all layers.
   */
  async evaluateWithRouting(batches: readonly MlmBatch[]): Promise<{ loss: number; routing?: Record<string, number> }> {
    let total = 0;
    let [loadMax, dropped] = [0, 0];
    let routed = false;
    for (const batch of batches) {
      const out = await this.evaluator.run(parameterFeeds(this.modelParams, this.batchFeeds(batch, this.evalShape)) as never);
      total += (out.loss.data as Float32Array)[0];
      if (!out.expert_load) continue;
      routed = true;
      const [layers, experts] = out.expert_load.dims as number[];
      const load = out.expert_load.data as Float32Array;
      for (let l = 0; l < layers; l++) loadMax += Math.max(...load.subarray(l * experts, (l + 1) * experts)) * experts / layers;
      dropped += (out.expert_dropped.data as Float32Array).reduce((a, b) => a + b, 0) / layers;
    }
    const n = batches.length;
    return { loss: total / n, ...(routed ? { routing: { expert_load_max: loadMax / n, expert_dropped: dropped / n } } : {}) };
  }

  async release(): Promise<void> {
    await this.trainer?.release();
    await this.evaluator.release();
  }
}
