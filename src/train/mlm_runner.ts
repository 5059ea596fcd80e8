/**
 * Runs the MLM train and eval graphs. Parameters and Adam moments live in Float32Arrays on the
 * TypeScript side; each step feeds them and adopts the updated arrays ORT returns (a swap, no
 * copy: onnxruntime-node's pre-allocated-output path copies results, see docs/BENCHMARKS.md).
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { MlmBatch } from '../data/mlm_batches.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { MlmShape } from '../nn/mlm.ts';
import type { Parameter } from '../nn/params.ts';
import { createSession, ortTensor, type OptimizationLevel } from '../runtime/session.ts';
import type { OptimizerConfig } from './optimizer.ts';
import { DropoutMasks } from './dropout_masks.ts';
import { buildEvalStep, buildTrainStep, momentInputName, stateOutputName } from './step_graph.ts';

export interface StepResult {
  loss: number;
  gradNorm: number;
  lr: number;
  /** The first non-finite output (loss, grad_norm, then updated tensors in parameter order), if any. */
  nonFinite?: string;
}

function firstNonFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return true;
  return false;
}

export interface RunnerOptions {
  threads?: number;
  optimization?: OptimizationLevel;
  seed?: number;
  /** Build only the eval graph (evaluation of a checkpoint). */
  evalOnly?: boolean;
}

export class MlmRunner {
  private constructor(
    readonly shape: MlmShape,
    readonly params: Parameter[],
    readonly m: Float32Array[],
    readonly v: Float32Array[],
    private readonly train: InferenceSession | null,
    private readonly evaluator: InferenceSession,
    private readonly masks: DropoutMasks | null,
  ) {}

  static async create(model: ModelConfig, shape: MlmShape, opt: OptimizerConfig, params: Parameter[], moments: { m: Float32Array[]; v: Float32Array[] } | null, options: RunnerOptions = {}): Promise<MlmRunner> {
    const sessionOptions = { threads: options.threads, optimization: options.optimization };
    const step = options.evalOnly ? null : buildTrainStep(model, shape, opt, options.seed ?? 0);
    const train = step ? await createSession(step.bytes, sessionOptions) : null;
    const evaluator = await createSession(buildEvalStep(model, shape), sessionOptions);
    const m = moments?.m ?? params.map((p) => new Float32Array(p.data.length));
    const v = moments?.v ?? params.map((p) => new Float32Array(p.data.length));
    const masks = step && step.dropoutMasks.length > 0 ? new DropoutMasks(step.dropoutMasks, model.dropout, options.seed ?? 0) : null;
    return new MlmRunner(shape, params, m, v, train, evaluator, masks);
  }

  private batchFeeds(batch: MlmBatch): Record<string, unknown> {
    const { batch: b, seq, masked } = this.shape;
    return {
      input_ids: ortTensor('int64', batch.inputIds, [b, seq]),
      masked_positions: ortTensor('int64', batch.maskedPositions, [masked]),
      labels: ortTensor('int64', batch.labels, [masked]),
    };
  }

  private paramFeeds(feeds: Record<string, unknown>): void {
    for (const p of this.params) feeds[p.spec.name] = ortTensor('float32', p.data, p.spec.shape);
  }

  /** One optimizer step; `step` is 1-based, `progress` the fraction of the budget used. */
  async step(batch: MlmBatch, step: number, progress: number): Promise<StepResult> {
    if (!this.train) throw new Error('this runner was created for evaluation only');
    const feeds = this.batchFeeds(batch);
    this.paramFeeds(feeds);
    this.params.forEach((p, i) => {
      feeds[momentInputName('m', p.spec.name)] = ortTensor('float32', this.m[i], p.spec.shape);
      feeds[momentInputName('v', p.spec.name)] = ortTensor('float32', this.v[i], p.spec.shape);
    });
    feeds.step = ortTensor('float32', new Float32Array([step]), []);
    feeds.progress = ortTensor('float32', new Float32Array([progress]), []);
    if (this.masks) {
      const masks = this.masks.forStep(step);
      this.masks.shapes.forEach((shape, i) => (feeds[`dropout_mask/${i}`] = ortTensor('bool', masks[i], shape)));
    }
    const pending = this.train.run(feeds as never);
    this.masks?.prefetch(step + 1); // overlaps with onnxruntime's work on this step
    const out = await pending;
    const loss = (out.loss.data as Float32Array)[0];
    const gradNorm = (out.grad_norm.data as Float32Array)[0];
    const lr = (out.lr.data as Float32Array)[0];
    const updated = (kind: 'param' | 'm' | 'v', name: string) => out[stateOutputName(kind, name)].data as Float32Array;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      // Not adopted: the parameters stay as they were before this step. Name the first culprit:
      // a parameter that was already non-finite, else the loss, else the gradient norm.
      const badInput = this.params.find((p) => firstNonFinite(p.data));
      const culprit = badInput ? `parameter ${badInput.spec.name}` : !Number.isFinite(loss) ? 'loss' : 'grad_norm';
      return { loss, gradNorm, lr, nonFinite: culprit };
    }
    // A finite norm can still hide an overflow in one update; scanning is cheap next to the step.
    const bad = this.params.find((p) => firstNonFinite(updated('param', p.spec.name)));
    if (bad) return { loss, gradNorm, lr, nonFinite: `updated ${bad.spec.name}` };
    this.params.forEach((p, i) => {
      p.data = updated('param', p.spec.name);
      this.m[i] = updated('m', p.spec.name);
      this.v[i] = updated('v', p.spec.name);
    });
    return { loss, gradNorm, lr };
  }

  /** Mean masked-LM loss over `batches` (equal masked counts, so the mean of batch means). */
  async evaluate(batches: readonly MlmBatch[]): Promise<number> {
    let total = 0;
    for (const batch of batches) {
      const feeds = this.batchFeeds(batch);
      this.paramFeeds(feeds);
      const out = await this.evaluator.run(feeds as never);
      total += (out.loss.data as Float32Array)[0];
    }
    return total / batches.length;
  }

  async release(): Promise<void> {
    await this.train?.release();
    await this.evaluator.release();
  }
}
