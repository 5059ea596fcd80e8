/**
 * Binary-coded weights (bcq.ts) in deployment files: q bit planes per weight, packed eight to a
 * byte, and q fp32 scales per group along the input axis. onnxruntime has no lookup-table kernel
 * for binary codes (nuQmm's), so standard ops decode the planes to the fp32 matrix, folded when a
 * session loads: the file is as small as the codes, the products run in fp32. Embedding tables are
 * coded the same way and decoded whole before the lookup.
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import { bcqEncode, type BcqScheme } from '../compress/bcq.ts';
import { ConstantWeights } from './constant_weights.ts';
import { unpackBits } from './packing.ts';
import type { BcqFormat } from './weight_format.ts';

/** The (rows, cols) fp32 matrix a binary-coded weight decodes to: sum over planes of scale * (2 bit - 1). */
export function bcqDecoded(g: Graph, w: Float32Array, rows: number, cols: number, scheme: BcqScheme, name: string): Tensor {
  const c = bcqEncode(w, rows, cols, scheme);
  const { q, block } = scheme;
  const bits = unpackBits(g, c.planes, c.planes.length, 1, `${name}_planes`);
  const signs = ops.sub(ops.mul(ops.cast(ops.reshape(bits, [q, rows, c.groups, block]), 'float32'), ops.scalar(g, 2, 'float32')), ops.scalar(g, 1, 'float32'));
  const scales = g.constant(c.scales, 'float32', [q, rows, c.groups, 1], `${name}_scales`);
  const summed = ops.reshape(ops.reduceSum(ops.mul(signs, scales), [0]), [rows, c.groups * block]); // (rows, groups, block) -> (rows, padded cols)
  return c.groups * block === cols ? summed : ops.slice(summed, [0], [cols], [1]);
}

export class BcqWeights extends ConstantWeights {
  private readonly scheme: BcqScheme;

  constructor(
    g: Graph,
    params: ReadonlyMap<string, Float32Array>,
    format: BcqFormat,
    private readonly quantizeEmbeddings: boolean,
  ) {
    super(g, params);
    this.scheme = { q: format.q, block: format.block };
  }

  protected override storedLinear(x: Tensor, name: string, out: number, inp: number, weightName: string, biasName: string): Tensor {
    const decoded = bcqDecoded(this.g, this.param(weightName), out, inp, this.scheme, `${name}.weight`);
    return ops.add(ops.matmul(x, ops.transpose(decoded, [1, 0])), this.tensor(biasName, [out]));
  }

  override embedding(name: string, rows: number, cols: number, ids: Tensor): Tensor {
    if (!this.quantizeEmbeddings) return super.embedding(name, rows, cols, ids);
    return ops.gather(bcqDecoded(this.g, this.param(name), rows, cols, this.scheme, name), ids);
  }

  override tiedDecoder(h: Tensor, table: string, bias: string, vocab: number, d: number): Tensor {
    return this.storedLinear(h, 'lm_head.decoder', vocab, d, table, bias);
  }
}
