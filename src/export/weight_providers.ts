/** The deployment weight provider of each weight format. */
import type { Graph } from '../graph/index.ts';
import type { WeightProvider } from '../nn/weights.ts';
import { BcqWeights } from './bcq_weights.ts';
import { ConstantWeights } from './constant_weights.ts';
import { NmWeights } from './nm_weights.ts';
import { Int8Weights, NbitsWeights } from './quantized_weights.ts';
import type { WeightFormat } from './weight_format.ts';

/** The provider for a weight format; `quantizeEmbeddings` stores the embedding tables compressed too. */
export function exportWeights(g: Graph, params: ReadonlyMap<string, Float32Array>, format: WeightFormat, quantizeEmbeddings = false): WeightProvider {
  switch (format.kind) {
    case 'fp32':
      return new ConstantWeights(g, params);
    case 'int8':
      return new Int8Weights(g, params, quantizeEmbeddings);
    case 'nbits':
      return new NbitsWeights(g, params, format.bits, format.block, quantizeEmbeddings, format.int8Compute === true);
    case 'nm':
      return new NmWeights(g, params, format, quantizeEmbeddings);
    case 'bcq':
      return new BcqWeights(g, params, format, quantizeEmbeddings);
  }
}
