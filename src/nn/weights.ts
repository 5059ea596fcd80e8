/**
 * How a layer gets its weights. Every model in src/nn is written once against `WeightProvider`;
 * the training graph gets trainable parameters fed as graph inputs (optionally masked,
 * fake-quantized or scaled, each a provider of its own), and the deployment graph gets
 * initializers in a storage format (fp32, int8, n-bit: src/export). So the graph that ships is
 * the graph that trained, with different weights plugged in.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import type { ParamSpec } from './params.ts';

export interface WeightProvider {
  /** A tensor used as stored: biases, norm parameters, lookup tables. */
  tensor(name: string, shape: readonly number[]): Tensor;
  /** x @ W^T + b for the weight `${name}.weight`, stored (out, in) as in PyTorch, and `${name}.bias`. */
  linear(x: Tensor, name: string, out: number, inp: number): Tensor;
  /** Rows of the table `name` (rows, cols) for int64 `ids`. */
  embedding(name: string, rows: number, cols: number, ids: Tensor): Tensor;
  /** h @ table^T + bias: a decoder that shares the embedding table (vocab, d). */
  tiedDecoder(h: Tensor, table: string, bias: string, vocab: number, d: number): Tensor;
  /** A stack of Switch expert matrices (experts, in, out) as the layer multiplies them: as stored, or decoded from a compact form. */
  expertMatrices(name: string, shape: readonly [number, number, number]): Tensor;
}

/**
 * Weights that are tensors of the graph itself (inputs, or computed from inputs), as in every
 * training graph: a linear layer is one Gemm on (tokens, features) rows, whose gradient rule
 * needs no transposed copy of the weight.
 */
export abstract class GraphWeights implements WeightProvider {
  /** The tensor the layers compute with for parameter `name`. */
  abstract weight(name: string): Tensor;

  tensor(name: string): Tensor {
    return this.weight(name);
  }

  linear(x: Tensor, name: string): Tensor {
    return ops.gemm(x, this.weight(`${name}.weight`), this.weight(`${name}.bias`), { transB: true });
  }

  embedding(name: string, _rows: number, _cols: number, ids: Tensor): Tensor {
    return ops.gather(this.weight(name), ids);
  }

  tiedDecoder(h: Tensor, table: string, bias: string): Tensor {
    return ops.gemm(h, this.weight(table), this.weight(bias), { transB: true });
  }

  expertMatrices(name: string): Tensor {
    return this.weight(name);
  }
}

/**
 * Trainable float32 parameters as graph inputs, in spec order: what the optimizer step
 * differentiates and updates. With a `prefix`, input names carry it (another model's weights in
 * the same graph: a distillation teacher's) while layers still ask for the parameter's own name.
 */
export class ParameterInputs extends GraphWeights {
  readonly inputs: Tensor[];
  private readonly byName: Map<string, Tensor>;

  constructor(g: Graph, specs: readonly ParamSpec[], prefix = '') {
    super();
    this.inputs = specs.map((s) => g.input(`${prefix}${s.name}`, 'float32', s.shape));
    this.byName = new Map(this.inputs.map((t, i) => [specs[i].name, t]));
  }

  weight(name: string): Tensor {
    const t = this.byName.get(name);
    if (!t) throw new Error(`model: no parameter named ${name}`);
    return t;
  }
}

/**
 * Another provider's weights with some of them replaced by a tensor computed from the original
 * and one graph input per replaced weight (a mask, a quantization offset, a scale). The inputs are
 * created up front, in `names` order, so every one is fed; the replacement is built once per name
 * on first use, so a weight used twice (the tied embedding table) is derived once.
 */
export abstract class DerivedWeights extends GraphWeights {
  /** The graph input of each derived weight, by parameter name. */
  readonly inputs = new Map<string, Tensor>();
  private readonly derived = new Map<string, Tensor>();

  /** `inputName(name)` names each weight's input; `inputShape(w)` shapes it (w's own shape unless given). */
  constructor(
    protected readonly inner: GraphWeights,
    names: readonly string[],
    inputName: (param: string) => string,
    inputShape: (w: Tensor) => readonly number[] = (w) => w.shape as number[],
  ) {
    super();
    for (const name of names) {
      const w = inner.weight(name);
      this.inputs.set(name, w.graph.input(inputName(name), 'float32', inputShape(w)));
    }
  }

  /** The weight the layers compute with, from the original `w` and its input. */
  protected abstract derive(w: Tensor, input: Tensor): Tensor;

  weight(name: string): Tensor {
    const input = this.inputs.get(name);
    if (!input) return this.inner.weight(name);
    let t = this.derived.get(name);
    if (!t) {
      t = this.derive(this.inner.weight(name), input);
      this.derived.set(name, t);
    }
    return t;
  }
}
