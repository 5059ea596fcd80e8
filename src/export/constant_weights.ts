/**
 * The deployment graph's weight provider in fp32: every weight an initializer of the file, linear
 * layers as MatMul by the transposed weight plus bias on (batch, sequence, features). The int8 and
 * n-bit providers (quantized_weights.ts) store linear weights and embeddings differently and keep
 * the rest of this.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import type { WeightProvider } from '../nn/weights.ts';

function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
  return t;
}

export class ConstantWeights implements WeightProvider {
  private readonly constants = new Map<string, Tensor>();

  constructor(
    readonly g: Graph,
    readonly params: ReadonlyMap<string, Float32Array>,
  ) {}

  param(name: string): Float32Array {
    const w = this.params.get(name);
    if (!w) throw new Error(`export: the checkpoint has no tensor ${name}`);
    return w;
  }

  /** One initializer per tensor name, however often it is used (the tied MLM decoder reuses the embeddings). */
  tensor(name: string, shape: readonly number[]): Tensor {
    let t = this.constants.get(name);
    if (!t) {
      t = this.g.constant(this.param(name), 'float32', [...shape], name);
      this.constants.set(name, t);
    }
    return t;
  }

  linear(x: Tensor, name: string, out: number, inp: number): Tensor {
    return this.storedLinear(x, name, out, inp, `${name}.weight`, `${name}.bias`);
  }

  /** x @ W^T + b for the weight `weightName` (out, in); the weight is stored under `name`. */
  protected storedLinear(x: Tensor, name: string, out: number, inp: number, weightName: string, biasName: string): Tensor {
    const w = this.param(weightName);
    const bias = this.tensor(biasName, [out]);
    return ops.add(ops.matmul(x, this.g.constant(transpose2d(w, out, inp), 'float32', [inp, out], `${name}.weight_t`)), bias);
  }

  embedding(name: string, rows: number, cols: number, ids: Tensor): Tensor {
    return ops.gather(this.tensor(name, [rows, cols]), ids);
  }

  expertMatrices(name: string, shape: readonly [number, number, number]): Tensor {
    return this.tensor(name, shape);
  }

  /** One copy of the table in the file: onnxruntime folds the constant transpose when the session loads. */
  tiedDecoder(h: Tensor, table: string, bias: string, vocab: number, d: number): Tensor {
    return ops.add(ops.matmul(h, ops.transpose(this.tensor(table, [vocab, d]), [1, 0])), this.tensor(bias, [vocab]));
  }
}
