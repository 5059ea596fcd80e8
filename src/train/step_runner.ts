/**
 * Runs a training-step graph built by addOptimizerStep, for any model. Parameters and Adam
 * moments live in Float32Arrays on the TypeScript side; each step feeds them and adopts the
 * updated arrays ORT returns (a swap, no copy: onnxruntime-node's pre-allocated-output path
 * copies results, see docs/BENCHMARKS.md).
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Parameter } from '../nn/params.ts';
import { createSession, ortTensor, type RuntimeOptions } from '../runtime/session.ts';
import { DropoutMasks } from './dropout_masks.ts';
import { momentFeeds, parameterFeeds, type Feeds } from './feeds.ts';
import { denseGradName, stateOutputName } from './step_graph.ts';

const DENSE_GRAD = denseGradName('');

export type { Feeds } from './feeds.ts';

export interface StepResult {
  loss: number;
  gradNorm: number;
  lr: number;
  /** The first non-finite tensor (a parameter, the loss, grad_norm or an update), if any. */
  nonFinite?: string;
  /** Gradients with respect to the sparse weights as the layers use them, when asked for. */
  denseGrads?: Map<string, Float32Array>;
}

function hasNonFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return true;
  return false;
}

export interface StepGraph {
  bytes: Uint8Array;
  /** Shapes of the `dropout_mask/<i>` inputs. */
  dropoutMasks: number[][];
}

export class StepRunner {
  private constructor(
    readonly params: Parameter[],
    readonly m: Float32Array[],
    readonly v: Float32Array[],
    private readonly session: InferenceSession,
    private readonly masks: DropoutMasks | null,
  ) {}

  static async create(
    graph: StepGraph,
    params: Parameter[],
    moments: { m: Float32Array[]; v: Float32Array[] } | null,
    dropout: { ratio: number; seed: number },
    options: RuntimeOptions,
  ): Promise<StepRunner> {
    const session = await createSession(graph.bytes, options);
    const m = moments?.m ?? params.map((p) => new Float32Array(p.data.length));
    const v = moments?.v ?? params.map((p) => new Float32Array(p.data.length));
    const masks = graph.dropoutMasks.length > 0 ? new DropoutMasks(graph.dropoutMasks, dropout.ratio, dropout.seed) : null;
    return new StepRunner(params, m, v, session, masks);
  }

  private outputsWithoutDense?: readonly string[] | null;

  /** The graph's outputs but the dense gradients, which a step fetches only when asked (null: the graph has none). */
  private get stepOutputs(): readonly string[] | null {
    if (this.outputsWithoutDense === undefined) {
      const names = this.session.outputNames;
      this.outputsWithoutDense = names.some((n) => n.startsWith(DENSE_GRAD)) ? names.filter((n) => !n.startsWith(DENSE_GRAD)) : null;
    }
    return this.outputsWithoutDense;
  }

  /**
   * One optimizer step on `batch` feeds; `step` is 1-based, `progress` the fraction of the budget
   * used. With `denseGrads`, also returns the gradients of the sparse weights (sparse training).
   */
  async step(batch: Feeds, step: number, progress: number, options: { denseGrads?: boolean } = {}): Promise<StepResult> {
    const feeds = momentFeeds(this.params, this.m, this.v, parameterFeeds(this.params, { ...batch }));
    feeds.step = ortTensor('float32', new Float32Array([step]), []);
    feeds.progress = ortTensor('float32', new Float32Array([progress]), []);
    if (this.masks) {
      const masks = this.masks.forStep(step);
      this.masks.shapes.forEach((shape, i) => (feeds[`dropout_mask/${i}`] = ortTensor('float32', masks[i], shape)));
    }
    const fetches = options.denseGrads ? null : this.stepOutputs;
    const pending = fetches ? this.session.run(feeds as never, fetches) : this.session.run(feeds as never);
    this.masks?.prefetch(step + 1); // overlaps with onnxruntime's work on this step
    const out = await pending;
    const loss = (out.loss.data as Float32Array)[0];
    const gradNorm = (out.grad_norm.data as Float32Array)[0];
    const lr = (out.lr.data as Float32Array)[0];
    const updated = (kind: 'param' | 'm' | 'v', name: string) => out[stateOutputName(kind, name)].data as Float32Array;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      // Not adopted: the parameters stay as they were before this step. Name the first culprit:
      // a parameter that was already non-finite, else the loss, else the gradient norm.
      const badInput = this.params.find((p) => hasNonFinite(p.data));
      const culprit = badInput ? `parameter ${badInput.spec.name}` : !Number.isFinite(loss) ? 'loss' : 'grad_norm';
      return { loss, gradNorm, lr, nonFinite: culprit };
    }
    // A finite norm can still hide an overflow in one update; scanning is cheap next to the step.
    const bad = this.params.find((p) => hasNonFinite(updated('param', p.spec.name)));
    if (bad) return { loss, gradNorm, lr, nonFinite: `updated ${bad.spec.name}` };
    this.params.forEach((p, i) => {
      p.data = updated('param', p.spec.name);
      this.m[i] = updated('m', p.spec.name);
      this.v[i] = updated('v', p.spec.name);
    });
    if (!options.denseGrads) return { loss, gradNorm, lr };
    const denseGrads = new Map(Object.keys(out).filter((n) => n.startsWith(DENSE_GRAD)).map((n) => [n.slice(DENSE_GRAD.length), out[n].data as Float32Array]));
    return { loss, gradNorm, lr, denseGrads };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
