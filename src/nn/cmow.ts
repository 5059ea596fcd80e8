/**
 * The CMOW/CBOW hybrid (Mai et al. 2019, "CBOW is not all you need"): each token is an m x m
 * matrix and a vector. A sequence is encoded as the ordered product of its matrices (CMOW, which
 * sees word order) beside the mean of its vectors (CBOW, which does not); the bidirectional
 * variant adds the product in reverse order. The product is computed as a balanced tree of
 * batched matmuls (log2 T levels, not T sequential ones), which the sequence length being a
 * power of two allows; padding tokens are identity matrices, so they change nothing. Matrices
 * start at the identity plus small noise (the paper's initialization), so long products neither
 * vanish nor explode at the start. Written once against WeightProvider: the same function builds
 * the training graph and the exported file.
 */
import { z } from 'zod';
import { Graph, ops, type Tensor } from '../graph/index.ts';
import { headLoss, type ClassifierGraph } from './classifier.ts';
import type { Parameter, ParamSpec } from './params.ts';
import { ParameterInputs, type WeightProvider } from './weights.ts';
import { Random } from '../util/random.ts';

export const CmowConfigSchema = z
  .object({
    arch: z.literal('cmow-cbow'),
    vocab_size: z.number().int().min(8),
    /** Tokens per sequence: a power of two (the product is a balanced tree). */
    max_len: z.number().int().min(2).refine((n) => (n & (n - 1)) === 0, 'max_len must be a power of two'),
    /** Side of each token's matrix (Mai et al. use 20). */
    matrix_dim: z.number().int().min(2).max(64).default(16),
    /** Width of each token's vector. */
    cbow_dim: z.number().int().min(1).default(256),
    bidirectional: z.boolean().default(true),
    /** Standard deviation of the noise added to the identity, and of the vectors. */
    init_std: z.number().positive().default(0.02),
  })
  .strict();
export type CmowConfig = z.infer<typeof CmowConfigSchema>;

export const CMOW_MATRICES = 'cmow.matrices';
export const CBOW_EMBEDDINGS = 'cbow.embeddings';
const CMOW_NORM = 'cmow.norm';

/** Width of the sequence representation: the flattened product(s), then the mean vector. */
export const cmowWidth = (c: CmowConfig): number => c.matrix_dim ** 2 * (c.bidirectional ? 2 : 1) + c.cbow_dim;

/** `cmow-M16-C256` (matrix side, vector width); `cmow` alone takes the defaults. */
export function parseCmowName(name: string): { matrix_dim?: number; cbow_dim?: number } | null {
  const m = /^cmow(?:-M(\d+)-C(\d+))?$/i.exec(name.trim());
  if (!m) return null;
  return m[1] ? { matrix_dim: Number(m[1]), cbow_dim: Number(m[2]) } : {};
}

export function cmowParamSpecs(c: CmowConfig, outputs: number): ParamSpec[] {
  const mm = c.matrix_dim ** 2;
  return [
    { name: CMOW_MATRICES, shape: [c.vocab_size, mm], init: 'normal', decay: false },
    { name: CBOW_EMBEDDINGS, shape: [c.vocab_size, c.cbow_dim], init: 'normal', decay: true },
    { name: `${CMOW_NORM}.weight`, shape: [mm * (c.bidirectional ? 2 : 1)], init: 'ones', decay: false },
    { name: `${CMOW_NORM}.bias`, shape: [mm * (c.bidirectional ? 2 : 1)], init: 'zeros', decay: false },
    { name: 'head.weight', shape: [outputs, cmowWidth(c)], init: 'normal', decay: true },
    { name: 'head.bias', shape: [outputs], init: 'zeros', decay: false },
  ];
}

/** Fresh weights: matrices at identity + N(0, init_std), vectors and head N(0, init_std). */
export function initCmow(c: CmowConfig, outputs: number, seed: number): Parameter[] {
  const rng = new Random(seed, 0x636d6f77);
  const m = c.matrix_dim;
  return cmowParamSpecs(c, outputs).map((spec) => {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init === 'normal') for (let i = 0; i < data.length; i++) data[i] = c.init_std * rng.normal();
    if (spec.name === CMOW_MATRICES) for (let v = 0; v < c.vocab_size; v++) for (let k = 0; k < m; k++) data[v * m * m + k * m + k] += 1;
    return { spec, data };
  });
}

/** The ordered product of (B, P, m, m) matrices over P (a power of two), by pairs: (B, m, m). */
function treeProduct(x: Tensor, reverse: boolean): Tensor {
  let t = x;
  const m = t.shape[2] as number;
  for (let p = t.shape[1] as number; p > 1; p /= 2) {
    const pairs = ops.reshape(t, [0, p / 2, 2, m, m]); // (B, P, m, m) -> (B, P/2, 2, m, m)
    const [left, right] = [0, 1].map((k) => ops.reshape(ops.slice(pairs, [k], [k + 1], [2]), [0, p / 2, m, m]));
    t = reverse ? ops.matmul(right, left) : ops.matmul(left, right);
  }
  return ops.reshape(t, [0, m * m]);
}

/** The (B, cmowWidth) representation of `ids` (B, T) with `mask` (B, T), T = max_len. */
export function cmowEncode(ids: Tensor, mask: Tensor, c: CmowConfig, w: WeightProvider): Tensor {
  const g = ids.graph;
  const t = c.max_len;
  const m = c.matrix_dim;
  const real = ops.unsqueeze(ops.equal(mask, g.constant(new BigInt64Array([1n]), 'int64', [], 'one')), [2]); // (B, T, 1)
  const identity = g.constant(Float32Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? 1 : 0)), 'float32', [m * m], 'identity');
  const matrices = ops.reshape(ops.where(real, w.embedding(CMOW_MATRICES, c.vocab_size, m * m, ids), identity), [0, t, m, m]);
  const products = [treeProduct(matrices, false), ...(c.bidirectional ? [treeProduct(matrices, true)] : [])];
  const normed = ops.layerNorm(ops.concat(products, 1), w.tensor(`${CMOW_NORM}.weight`, [m * m * products.length]), w.tensor(`${CMOW_NORM}.bias`, [m * m * products.length])).y;
  const weights = ops.cast(ops.unsqueeze(mask, [2]), 'float32'); // (B, T, 1)
  const summed = ops.reduceSum(ops.mul(w.embedding(CBOW_EMBEDDINGS, c.vocab_size, c.cbow_dim, ids), weights), [1], { keepdims: false });
  const mean = ops.div(summed, ops.max(ops.reduceSum(weights, [1], { keepdims: false }), 1)); // (B, cbow) / (B, 1)
  return ops.concat([normed, mean], 1);
}

/** The head's outputs (B, outputs) on the representation. */
export function cmowOutputs(ids: Tensor, mask: Tensor, c: CmowConfig, outputs: number, w: WeightProvider): Tensor {
  return w.linear(cmowEncode(ids, mask, c, w), 'head', outputs, cmowWidth(c));
}

/** A graph whose inputs are `input_ids` and `attention_mask` (batch, max_len). */
export function cmowInputs(g: Graph, c: CmowConfig, batch: number | string): { ids: Tensor; mask: Tensor } {
  return { ids: g.input('input_ids', 'int64', [batch, c.max_len]), mask: g.input('attention_mask', 'int64', [batch, c.max_len]) };
}

/**
 * The CMOW/CBOW student's graph on its parameters as inputs: with labels, its training graph
 * (the head's outputs learn a teacher's embeddings by cosine distance); without, its evaluator
 * (output `logits`).
 */
export function buildCmow(c: CmowConfig, outputs: number, batch: number, withLabels: boolean): ClassifierGraph {
  const g = new Graph('cmow-cbow');
  const params = new ParameterInputs(g, cmowParamSpecs(c, outputs));
  const { ids, mask } = cmowInputs(g, c, batch);
  const logits = cmowOutputs(ids, mask, c, outputs, params);
  if (!withLabels) g.output(logits, 'logits');
  const loss = withLabels ? headLoss(g, logits, batch, outputs, 'embedding') : undefined;
  return { graph: g, params: params.inputs, logits, loss, dropoutMasks: [], pruneMasks: new Map() };
}
