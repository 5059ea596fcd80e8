/** The RoBERTa-style masked-LM: embeddings, pre- or post-LN encoder, and a tied-embedding head applied
 * only at masked positions (as fairseq does), so the vocabulary projection costs 15%, not 100%. */
import { Graph, ops, type Tensor } from '../graph/index.ts';
import { headDim, layerFfn, layerHeads, POSITION_OFFSET, type ModelConfig } from './config.ts';
import { dropoutMaskInputs, encoderLayer, layerContext, layerNorm, linear, maybeDropout, type LayerContext, type Params } from './layers.ts';
import { EMBEDDING_NORM, FINAL_NORM, layerNormNames, layerPrefix, mlmParamSpecs } from './params.ts';

export interface MlmShape {
  batch: number;
  seq: number;
  /** Number of predicted positions per batch (flattened). */
  masked: number;
}

export interface MlmGraph {
  graph: Graph;
  /** Dropout mask inputs (bool, in graph order), when built with `dropoutMasks: 'inputs'`. */
  dropoutMasks: Tensor[];
  params: Tensor[];
  inputIds: Tensor;
  maskedPositions: Tensor;
  labels: Tensor;
  loss: Tensor;
}

/** Token + position embeddings (normalized when the config says so) and the encoder stack; returns final hidden rows (B*T, D). */
export function encode(ids: Tensor, c: ModelConfig, ctx: LayerContext): Tensor {
  const g = ids.graph;
  const { batch, seq } = ctx;
  const p = ctx.params;
  const tokens = ops.gather(p['roberta.embeddings.word_embeddings.weight'], ids); // (B, T, D)
  const positionIds = g.constant(BigInt64Array.from({ length: seq }, (_, i) => BigInt(i + POSITION_OFFSET)), 'int64', [seq], 'position_ids');
  const positions = ops.gather(p['roberta.embeddings.position_embeddings.weight'], positionIds); // (T, D)
  let x = ops.reshape(ops.add(tokens, positions), [batch * seq, c.d_model]); // (B*T, D)
  if (c.embedding_norm) x = layerNorm(x, p, EMBEDDING_NORM, c.layer_norm_eps);
  x = maybeDropout(x, ctx);
  for (let i = 0; i < c.n_layers; i++) x = encoderLayer(x, ctx, layerPrefix(i), layerHeads(c, i), { norm: c.norm, ...layerNormNames(c, i) });
  return c.norm === 'pre' ? layerNorm(x, p, FINAL_NORM, c.layer_norm_eps) : x;
}

/** Dense -> GELU -> LN -> tied output embedding + bias, on hidden rows (M, D). */
export function mlmHead(hidden: Tensor, c: ModelConfig, p: Params): Tensor {
  const h = layerNorm(ops.gelu(linear(hidden, p, 'lm_head.dense')), p, 'lm_head.layer_norm', c.layer_norm_eps);
  return ops.gemm(h, p['roberta.embeddings.word_embeddings.weight'], p['lm_head.bias'], { transB: true }); // (M, V)
}

/** Builds the forward graph to the mean masked-LM loss; parameters are graph inputs. */
export interface MlmBuildOptions {
  dropout: number;
  seed?: number;
  dtype?: 'float32' | 'float64';
  /** 'inputs': masks are fed by the caller; 'onnx': ONNX Dropout draws them. */
  dropoutMasks?: 'inputs' | 'onnx';
}

export function buildMlmLoss(c: ModelConfig, shape: MlmShape, options: MlmBuildOptions): MlmGraph {
  const g = new Graph('mlm');
  const dtype = options.dtype ?? 'float32';
  const specs = mlmParamSpecs(c);
  const params = specs.map((s) => g.input(s.name, dtype, s.shape));
  const p = Object.fromEntries(params.map((t) => [t.name, t]));
  const inputIds = g.input('input_ids', 'int64', [shape.batch, shape.seq]);
  const maskedPositions = g.input('masked_positions', 'int64', [shape.masked]);
  const labels = g.input('labels', 'int64', [shape.masked]);
  const maskInputs = dropoutMaskInputs(g);
  const ctx = layerContext(c, p, shape, options.dropout, {
    seed: options.seed,
    dropoutMask: options.dropoutMasks === 'inputs' ? maskInputs.make : undefined,
  });
  const hidden = encode(inputIds, c, ctx);
  const logits = g.scope('lm_head', () => mlmHead(ops.gather(hidden, maskedPositions), c, p)); // (M, D) -> (M, V)
  const { loss } = ops.softmaxCrossEntropy(logits, labels, { ignoreIndex: -100 });
  return { graph: g, dropoutMasks: maskInputs.masks, params, inputIds, maskedPositions, labels, loss };
}

/** Matmul FLOPs of one forward pass: 2 m n k per GEMM (DESIGN §6). */
export function mlmForwardFlops(c: ModelConfig, shape: MlmShape): number {
  const n = shape.batch * shape.seq;
  const d = c.d_model;
  let layers = 0;
  for (let i = 0; i < c.n_layers; i++) {
    const attn = layerHeads(c, i) * headDim(c);
    layers += 2 * n * (4 * d * attn + 2 * d * layerFfn(c, i)) + 2 * 2 * shape.batch * shape.seq * shape.seq * attn;
  }
  const head = 2 * shape.masked * (d * d + d * c.vocab_size);
  return layers + head;
}
