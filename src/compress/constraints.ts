/**
 * Compression during training: magnitude-pruning masks (one-shot, or gradual on the cubic
 * schedule as the budget is spent) and fake-quantization offsets for quantization-aware
 * training. Both reach the graph as inputs (see buildClassifier's `pruned` and `fakeQuant`).
 */
import { quantDeltaName } from '../nn/fake_quant_weights.ts';
import { pruneMaskName } from '../nn/masked_weights.ts';
import type { ModelConfig } from '../nn/config.ts';
import { layerPrefix, type Parameter } from '../nn/params.ts';
import { ortTensor } from '../runtime/session.ts';
import type { WeightConstraints } from '../train/classifier_training.ts';
import type { Feeds } from '../train/step_runner.ts';
import { fakeQuantize, type QuantScheme } from './quantize.ts';
import { keptPerGroup, nmMask, type NmPattern } from './nm.ts';
import { cubicSparsity, magnitudeMasks, type PruneScope } from './prune.ts';

export interface PruningPlan {
  sparsity: number;
  schedule: 'oneshot' | 'gradual';
  scope: PruneScope;
  /** Fraction of the budget at which gradual pruning reaches `sparsity`; the rest trains at it. */
  rampEnd: number;
  /**
   * Keep-masks chosen before training (a lottery ticket's, or a random ticket's): applied from the
   * first step and never recomputed from the weights being trained.
   */
  masks?: ReadonlyMap<string, Uint8Array>;
  /** N:M structured sparsity: masks keep the largest of every M inputs, N at the end (then `sparsity` is 1 - N/M). */
  pattern?: NmPattern;
  /** The weights the pattern applies to (a per-layer search's sparse ones); default all prunable weights. */
  patternWeights?: readonly string[];
}

const PRUNABLE_MODULES = ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense', 'intermediate.dense', 'output.dense'];

/** The weights magnitude pruning applies to: every linear weight of the encoder layers. */
export function prunableWeights(c: ModelConfig): string[] {
  const names: string[] = [];
  for (let i = 0; i < c.n_layers; i++) for (const m of PRUNABLE_MODULES) names.push(`${layerPrefix(i)}.${m}.weight`);
  return names;
}

const PRUNABLE_NAME = new RegExp(`^${layerPrefix(0).replace(/\.0$/, '').replace(/\./g, '\\.')}\\.\\d+\\.(${PRUNABLE_MODULES.join('|').replace(/\./g, '\\.')})\\.weight$`);

/** Whether `name` is one of prunableWeights' (an encoder layer's linear weight), whatever the model. */
export const isPrunableWeight = (name: string): boolean => PRUNABLE_NAME.test(name);

/** Sparsity steps smaller than this wait for the next step: each update re-sorts all magnitudes. */
const MIN_SPARSITY_STEP = 0.01;

export class CompressionConstraints implements WeightConstraints {
  readonly pruned: string[];
  readonly fakeQuant: string[];
  private readonly masks = new Map<string, Float32Array>();
  /** Sparsity the masks hold now (of the pruned weights together, or of each for 'layer'). */
  sparsity = 0;
  maskUpdates = 0;

  constructor(
    prunable: readonly string[],
    private readonly pruning: PruningPlan | null,
    /** Fake-quantized weights and the scheme each is exported with. */
    private readonly quant: ReadonlyMap<string, QuantScheme> | null,
  ) {
    this.pruned = pruning && pruning.sparsity > 0 ? [...prunable] : [];
    this.fakeQuant = quant ? [...quant.keys()] : [];
  }

  private targetSparsity(progress: number): number {
    const p = this.pruning!;
    if (p.schedule === 'oneshot' || p.masks) return p.sparsity;
    return cubicSparsity(progress, { initial: 0, final: p.sparsity, start: 0, end: p.rampEnd });
  }

  /** Recomputes the masks at `sparsity` from the current weights (or takes the given ones) and zeroes what they prune. */
  private prune(sparsity: number, byName: Map<string, Parameter>): void {
    const targets = this.pruned.map((name) => ({ name, data: byName.get(name)!.data }));
    const masks = this.pruning!.masks ?? this.maskAt(sparsity, byName);
    for (const t of targets) {
      const keep = masks.get(t.name)!;
      const mask = this.masks.get(t.name) ?? new Float32Array(keep.length);
      for (let i = 0; i < keep.length; i++) {
        mask[i] = keep[i];
        if (!keep[i]) t.data[i] = 0;
      }
      this.masks.set(t.name, mask);
    }
    this.sparsity = sparsity;
    this.maskUpdates++;
  }

  private maskAt(sparsity: number, byName: Map<string, Parameter>): ReadonlyMap<string, Uint8Array> {
    const { pattern, scope } = this.pruning!;
    if (!pattern) return magnitudeMasks(this.pruned.map((name) => ({ name, data: byName.get(name)!.data })), sparsity, scope);
    const keep = keptPerGroup(sparsity, pattern);
    const patterned = new Set(this.pruning!.patternWeights ?? this.pruned);
    return new Map(this.pruned.map((name) => {
      const { data, spec } = byName.get(name)!;
      const [rows, cols] = spec.shape;
      return [name, patterned.has(name) ? nmMask(data, rows, cols, keep, pattern.m) : new Uint8Array(data.length).fill(1)];
    }));
  }

  beforeStep(_step: number, progress: number, params: readonly Parameter[]): Feeds {
    const byName = new Map(params.map((p) => [p.spec.name, p]));
    const feeds: Feeds = {};
    if (this.pruned.length > 0) {
      const target = this.targetSparsity(progress);
      const final = target >= this.pruning!.sparsity;
      if (this.masks.size === 0 || target - this.sparsity >= MIN_SPARSITY_STEP || (final && this.sparsity < target)) this.prune(target, byName);
      for (const name of this.pruned) feeds[pruneMaskName(name)] = ortTensor('float32', this.masks.get(name)!, byName.get(name)!.spec.shape);
    }
    if (this.quant) {
      for (const [name, scheme] of this.quant) {
        const p = byName.get(name)!;
        const delta = fakeQuantize(p.data, p.spec.shape, scheme);
        for (let i = 0; i < delta.length; i++) delta[i] -= p.data[i];
        feeds[quantDeltaName(name)] = ortTensor('float32', delta, p.spec.shape);
      }
    }
    return feeds;
  }

  /** Prunes to the final sparsity now, for a budget that ended before the schedule did. */
  finish(params: readonly Parameter[]): void {
    if (this.pruned.length > 0 && this.sparsity < this.pruning!.sparsity) this.prune(this.pruning!.sparsity, new Map(params.map((p) => [p.spec.name, p])));
  }
}
