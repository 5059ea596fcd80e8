/**
 * `tltc train --method earlybert` (Chen et al. 2021): a search stage trains the full model with
 * slimming coefficients under an L1 penalty (nn/slimming_weights.ts) and draws head and neuron
 * masks from them every `draw_every` steps (early_bird.ts); at the early-bird point, or when the
 * search has used `max_search` of the budget, the masked heads and neurons are removed
 * physically and the smaller model (the ticket) trains for the rest of the budget, from the
 * weights at that point with the coefficients folded in ('keep'), or from the run's initial
 * weights ('rewind'). A random ticket of the same per-layer sizes is the control.
 */
import { removeStructures } from '../compress/structured.ts';
import { headDim, layerFfn, layerHeads, modelName, type ModelConfig } from '../nn/config.ts';
import { layerPrefix, mlmParamSpecs, type Parameter, type ParamSpec } from '../nn/params.ts';
import { ffnCoefficients, headCoefficients, slimmingParamSpecs } from '../nn/slimming_weights.ts';
import { Random } from '../util/random.ts';
import type { TrainConfig } from './config.ts';
import { drawMasks, EarlyBirdSearch, type Draw, type StructureMasks } from './early_bird.ts';

export type EarlyBertConfig = NonNullable<TrainConfig['earlybert']>;

/** What a checkpoint keeps of the method, so a resumed run continues bit-identically. */
export interface EarlyBertState {
  phase: 'search' | 'ticket';
  draws: Draw[];
  last: StructureMasks | null;
  found: { step: number; train_s: number; masks: StructureMasks } | null;
  /** Once in the ticket phase: what ticket.json says. */
  ticket?: Record<string, unknown>;
}

export interface TicketWeights {
  model: ModelConfig;
  params: Parameter[];
  moments: { m: Float32Array[]; v: Float32Array[] };
  record: Record<string, unknown>;
}

const sizesOf = (c: ModelConfig) => ({ heads: Array.from({ length: c.n_layers }, (_, i) => layerHeads(c, i)), neurons: Array.from({ length: c.n_layers }, (_, i) => layerFfn(c, i)) });

export class EarlyBert {
  private readonly search: EarlyBirdSearch;

  constructor(
    readonly config: EarlyBertConfig,
    /** The full model the search trains. */
    readonly full: ModelConfig,
    public state: EarlyBertState = { phase: 'search', draws: [], last: null, found: null },
  ) {
    this.search = new EarlyBirdSearch(sizesOf(full), config.threshold, config.window);
    this.search.restore(state.draws, state.last, state.found);
  }

  /** The parameters of the search stage: the model's, then the coefficients. */
  static searchSpecs(model: ModelConfig): ParamSpec[] {
    return [...mlmParamSpecs(model), ...slimmingParamSpecs(model)];
  }

  /** After step `step`: draws masks when due; true when the search ends here. */
  afterStep(step: number, progress: number, trainS: number, params: readonly Parameter[]): boolean {
    if (this.state.phase !== 'search') return false;
    const limit = progress >= this.config.max_search;
    if (step % this.config.draw_every !== 0 && !limit) return false;
    const value = (name: string) => params.find((p) => p.spec.name === name)!.data;
    const n = this.full.n_layers;
    const masks = drawMasks(
      Array.from({ length: n }, (_, i) => value(headCoefficients(i))),
      Array.from({ length: n }, (_, i) => value(ffnCoefficients(i))),
      this.config.head_ratio,
      this.config.ffn_ratio,
    );
    const found = this.search.add(step, trainS, masks);
    this.state = { ...this.state, draws: this.search.draws, last: masks, found: this.search.found };
    return found || limit;
  }

  /**
   * The smaller model and its weights; `initial` gives the run's initial weights for 'rewind', and
   * `specsOf` the parameters a model of the ticket's sizes has (the masked LM's, or a classifier's).
   */
  ticket(step: number, trainS: number, params: readonly Parameter[], m: readonly Float32Array[], v: readonly Float32Array[], initial: () => Parameter[], seed: number, specsOf: (model: ModelConfig) => ParamSpec[] = mlmParamSpecs): TicketWeights {
    const chosen = this.state.found?.masks ?? this.state.last!;
    const kept = this.config.ticket === 'random' ? randomTicket(chosen, sizesOf(this.full), seed) : chosen;
    const map = (arrays: readonly Float32Array[]) => new Map(params.map((p, i) => [p.spec.name, arrays[i]]));
    const source = this.config.weights === 'keep' ? foldCoefficients(this.full, map(params.map((p) => p.data))) : new Map(initial().map((p) => [p.spec.name, p.data]));
    const smaller = removeStructures(this.full, source, kept.heads, kept.neurons);
    const specs = specsOf(smaller.model);
    const moment = (arrays: readonly Float32Array[]) => {
      if (this.config.weights === 'rewind') return specs.map((s) => new Float32Array(smaller.params.get(s.name)!.length));
      const sliced = removeStructures(this.full, map(arrays), kept.heads, kept.neurons).params;
      return specs.map((s) => Float32Array.from(sliced.get(s.name)!));
    };
    const record = {
      found_at: this.state.found ? { step: this.state.found.step, train_s: this.state.found.train_s } : null,
      ended_at: { step, train_s: trainS },
      reason: this.state.found ? 'early bird: successive masks within the threshold for the window' : `no early bird within max_search (${this.config.max_search} of the budget): the last draw`,
      ticket: this.config.ticket,
      weights: this.config.weights,
      full: modelName(this.full),
      model: modelName(smaller.model),
      layer_heads: smaller.model.layer_heads,
      layer_ffn: smaller.model.layer_ffn,
      kept,
      draws: this.state.draws,
      config: this.config,
    };
    this.state = { ...this.state, phase: 'ticket', ticket: record };
    return { model: smaller.model, params: specs.map((spec) => ({ spec, data: Float32Array.from(smaller.params.get(spec.name)!) })), moments: { m: moment(m), v: moment(v) }, record };
  }
}

/** The coefficients multiplied into the output projections' columns, so the model without them computes the same. */
function foldCoefficients(c: ModelConfig, weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map(weights);
  for (let i = 0; i < c.n_layers; i++) {
    const p = layerPrefix(i);
    for (const [name, coefficients, repeat] of [
      [`${p}.attention.output.dense.weight`, headCoefficients(i), headDim(c)],
      [`${p}.output.dense.weight`, ffnCoefficients(i), 1],
    ] as const) {
      const w = Float32Array.from(weights.get(name)!);
      const scale = weights.get(coefficients)!;
      const cols = scale.length * repeat;
      for (let k = 0; k < w.length; k++) w[k] *= scale[Math.floor((k % cols) / repeat)];
      out.set(name, w);
    }
  }
  return out;
}

/** As many heads and neurons per layer as `like` keeps, chosen at random. */
function randomTicket(like: StructureMasks, sizes: { heads: number[]; neurons: number[] }, seed: number): StructureMasks {
  const rng = new Random(seed, 0x65627274);
  const pick = (n: number, k: number) => Array.from(rng.shuffle(Int32Array.from({ length: n }, (_, i) => i)).subarray(0, k)).sort((a, b) => a - b);
  return { heads: like.heads.map((h, i) => pick(sizes.heads[i], h.length)), neurons: like.neurons.map((h, i) => pick(sizes.neurons[i], h.length)) };
}
