/**
 * (IA)^3 (Liu et al. 2022): three learned vectors per layer, starting at 1, that rescale the
 * keys, the values and the FFN's inner activations; with the classifier head they are all that
 * fine-tuning trains. Keys and values are the outputs of their projections, so their vectors
 * scale those projections' rows (weight and bias); an FFN activation reaches the rest of the
 * network only through its column of the output projection, so its vector scales those columns.
 * Either way the vectors fold into the weights after training (mergeIa3), and the exported model
 * is an ordinary one that costs nothing extra.
 */
import { ops, type Tensor } from '../graph/index.ts';
import { headDim, layerFfn, layerHeads, type ModelConfig } from './config.ts';
import { layerPrefix, robertaLayer, type ParamSpec } from './params.ts';
import { GraphWeights } from './weights.ts';

export const IA3_PREFIX = 'ia3/';
export const ia3Name = (layer: number, what: 'key' | 'value' | 'ffn') => `${IA3_PREFIX}${layerPrefix(layer)}.${what}`;

/** The vectors as trainable parameters (no weight decay: they start at 1, not 0). */
export function ia3ParamSpecs(c: ModelConfig): ParamSpec[] {
  return Array.from({ length: c.n_layers }, (_, i) => {
    const attention = layerHeads(c, i) * headDim(c);
    return [
      { name: ia3Name(i, 'key'), shape: [attention], init: 'ones' as const, decay: false },
      { name: ia3Name(i, 'value'), shape: [attention], init: 'ones' as const, decay: false },
      { name: ia3Name(i, 'ffn'), shape: [layerFfn(c, i)], init: 'ones' as const, decay: false },
    ];
  }).flat();
}

/** What each vector scales: a weight's rows (out, in), a bias, or a weight's columns. */
type Scaled = { vector: string; along: 'rows' | 'bias' | 'columns' };

function ia3Targets(c: ModelConfig): Map<string, Scaled> {
  if (c.n_experts !== undefined) throw new Error('(IA)^3 scales a dense FFN; this model has Switch expert layers: fine-tune it without --method ia3');
  const targets = new Map<string, Scaled>();
  for (let i = 0; i < c.n_layers; i++) {
    const n = robertaLayer(c, i).names;
    for (const [name, what] of [[n.key, 'key'], [n.value, 'value']] as const) {
      targets.set(`${name}.weight`, { vector: ia3Name(i, what), along: 'rows' });
      targets.set(`${name}.bias`, { vector: ia3Name(i, what), along: 'bias' });
    }
    targets.set(`${n.ffnOut}.weight`, { vector: ia3Name(i, 'ffn'), along: 'columns' });
  }
  return targets;
}

/** Another provider's weights with the (IA)^3 vectors applied, each scaled weight built once. */
export class Ia3Weights extends GraphWeights {
  private readonly targets: Map<string, Scaled>;
  private readonly scaled = new Map<string, Tensor>();

  constructor(
    private readonly inner: GraphWeights,
    c: ModelConfig,
  ) {
    super();
    this.targets = ia3Targets(c);
  }

  weight(name: string): Tensor {
    const target = this.targets.get(name);
    if (!target) return this.inner.weight(name);
    let t = this.scaled.get(name);
    if (!t) {
      const [w, l] = [this.inner.weight(name), this.inner.weight(target.vector)];
      const n = l.shape[0] as number;
      t = ops.mul(w, target.along === 'bias' ? l : ops.reshape(l, target.along === 'rows' ? [n, 1] : [1, n]));
      this.scaled.set(name, t);
    }
    return t;
  }
}

/** The vectors folded into the weights they scale; the result holds no ia3/ tensors. */
export function mergeIa3(c: ModelConfig, weights: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const out = new Map([...weights].filter(([name]) => !name.startsWith(IA3_PREFIX)));
  for (const [name, { vector, along }] of ia3Targets(c)) {
    const [w, l] = [weights.get(name), weights.get(vector)];
    if (!w || !l) throw new Error(`(IA)^3 merge: ${!w ? name : vector} is missing`);
    const cols = along === 'rows' ? w.length / l.length : along === 'columns' ? l.length : 1;
    out.set(name, w.map((v, k) => v * l[along === 'columns' ? k % cols : Math.floor(k / cols)]));
  }
  return out;
}
