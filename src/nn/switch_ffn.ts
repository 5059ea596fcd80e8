/**
 * The Switch Transformer FFN (Fedus et al. 2021): E expert FFNs, each token sent to the one its
 * router ranks first and scaled by that probability. Each expert takes at most C = ceil(cf * N / E)
 * of a batch's N tokens, in token order; the rest skip the FFN (their residual carries them).
 *
 * Dispatch gathers each expert's tokens into an (E, C, d) block, so the work is one batched FFN
 * over E * C ~ cf * N rows: the FLOPs per token stay those of one FFN, not E of them. The slot of
 * every token is computed with cumulative sums of the one-hot routing, and the slot -> token table
 * with a ScatterND add (dropped tokens add 0), so training graphs (static shapes) and deployment
 * graphs (any batch and length: C computed at run time) share this one builder.
 */
import { ops, type Tensor } from '../graph/index.ts';
import type { LayerContext } from './layers.ts';
import { activation } from './layout.ts';

export interface SwitchSpec {
  /** Parameter prefix: `${name}.router.weight` (E, d), `${name}.fc1.weight` (E, d, F), `${name}.fc1.bias` (E, F), `${name}.fc2.weight` (E, F, d), `${name}.fc2.bias` (E, d). */
  name: string;
  experts: number;
  capacityFactor: number;
  d: number;
  ffn: number;
  activation: 'gelu' | 'relu';
}

/** What one Switch layer reports: its share of the load-balancing loss and its routing statistics. */
export interface RoutingReport {
  /** E * sum_e f_e P_e: 1 when the load is uniform (Switch's auxiliary loss before its weight). */
  balanceLoss: Tensor;
  /** f_e: the share of the batch's tokens the router sends to each expert, (E). */
  load: Tensor;
  /** The share of the batch's tokens dropped because their expert was full, a scalar. */
  dropped: Tensor;
}

/** The switch FFN's parameter shapes, in the order mlmParamSpecs lists them. */
export function switchParamShapes(s: Omit<SwitchSpec, 'capacityFactor' | 'activation'>): { name: string; shape: number[]; matrix: boolean }[] {
  const { name, experts: e, d, ffn: f } = s;
  return [
    { name: `${name}.router.weight`, shape: [e, d], matrix: true },
    { name: `${name}.fc1.weight`, shape: [e, d, f], matrix: true },
    { name: `${name}.fc1.bias`, shape: [e, f], matrix: false },
    { name: `${name}.fc2.weight`, shape: [e, f, d], matrix: true },
    { name: `${name}.fc2.bias`, shape: [e, d], matrix: false },
  ];
}

/** Zeros of `x`'s float dtype (float64 in gradient checks). */
const zerosLike = (x: Tensor, shape: number[], name: string) =>
  x.graph.constant(x.dtype === 'float64' ? new Float64Array(shape.reduce((a, b) => a * b, 1)) : new Float32Array(shape.reduce((a, b) => a * b, 1)), x.dtype, shape, name);

/** C, the slots per expert, as a scalar of x's dtype, and a zero vector of the E * C slots: numbers in training graphs, computed at run time in deployment graphs. */
function capacityOf(rows: Tensor, s: SwitchSpec): { perExpert: Tensor; zeroSlots: Tensor } {
  const n = rows.shape[0];
  if (typeof n === 'number') {
    const c = Math.ceil((s.capacityFactor * n) / s.experts);
    return { perExpert: ops.scalarLike(rows, c), zeroSlots: zerosLike(rows, [s.experts * c], 'zero_slots') };
  }
  const tokens = ops.cast(ops.shapeOf(rows, 0, 1), rows.dtype); // (1)
  const perExpert = ops.ceil(ops.mul(tokens, s.capacityFactor / s.experts));
  const slots = ops.cast(ops.mul(perExpert, s.experts), 'int64');
  return { perExpert, zeroSlots: ops.expandTo(ops.scalarLike(rows, 0), slots, [`${s.experts}*${n}_capacity`]) };
}

/**
 * The switch FFN on activations `x` of the context's layout: its output (x's shape) and the
 * routing report. `x` rows: (N, d) in training graphs, (B, T, d) in deployment graphs.
 */
export function switchFfn(x: Tensor, ctx: LayerContext, s: SwitchSpec): { y: Tensor; report: RoutingReport } {
  const w = ctx.weights;
  const g = x.graph;
  const rows = x.rank === 2 ? x : ops.reshape(x, [-1, s.d]);
  const probs = ops.softmax(ops.gemm(rows, w.tensor(`${s.name}.router.weight`, [s.experts, s.d]), null, { transB: true }), -1); // (N, E)
  const expert = ops.argMax(probs, 1, { keepdims: true }); // (N, 1)
  const oneHot = ops.cast(ops.equal(expert, ops.arange(g, s.experts)), x.dtype); // (N, E)
  const gate = ops.reduceSum(ops.mul(probs, oneHot), [1], { keepdims: true }); // (N, 1)
  const cap = capacityOf(rows, s);
  // A token's position in its expert's queue (0-based), and whether it fits.
  const position = ops.sub(ops.reduceSum(ops.mul(ops.cumsum(oneHot, 0), oneHot), [1], { keepdims: true }), 1);
  const kept = ops.cast(ops.less(position, cap.perExpert), x.dtype); // (N, 1)
  const slot = ops.mul(ops.add(ops.mul(ops.cast(expert, x.dtype), cap.perExpert), position), kept); // dropped: slot 0, adding 0
  const slotIndex = ops.cast(slot, 'int64'); // (N, 1)
  // Row numbers 1..N of the tokens (each one-hot row sums to 1); 0 marks an empty slot.
  const rowNumber = ops.cumsum(ops.reduceSum(oneHot, [1]), 0);
  // ScatterElements, not ScatterND: every dropped token adds 0 at slot 0, and onnxruntime's ScatterND
  // can lose the kept token's update there when it runs on more than one thread.
  const tokenOfSlot = ops.cast(ops.scatterElements(cap.zeroSlots, ops.squeeze(slotIndex, [1]), ops.mul(rowNumber, ops.squeeze(kept, [1])), 0, 'add'), 'int64');
  const padded = ops.concat([zerosLike(rows, [1, s.d], 'empty_slot'), rows], 0); // row 0: zeros
  const block = ops.reshape(ops.gather(padded, tokenOfSlot), [s.experts, -1, s.d]); // (E, C, d)
  const bias = (name: string, width: number) => ops.unsqueeze(w.tensor(name, [s.experts, width]), [1]);
  const inner = activation(ops.add(ops.matmul(block, w.expertMatrices(`${s.name}.fc1.weight`, [s.experts, s.d, s.ffn])), bias(`${s.name}.fc1.bias`, s.ffn)), s.activation, ctx.kernels);
  const out = ops.add(ops.matmul(inner, w.expertMatrices(`${s.name}.fc2.weight`, [s.experts, s.ffn, s.d])), bias(`${s.name}.fc2.bias`, s.d));
  const combined = ops.mul(ops.gather(ops.reshape(out, [-1, s.d]), ops.squeeze(slotIndex, [1])), ops.mul(gate, kept)); // (N, d)
  const y = x.rank === 2 ? combined : ops.reshapeTo(combined, ops.shapeOf(x), x.shape);
  const load = ops.reduceMean(oneHot, [0]);
  const balanceLoss = ops.mul(ops.reduceSum(ops.mul(load, ops.reduceMean(probs, [0]))), s.experts);
  const dropped = ops.sub(ops.scalarLike(kept, 1), ops.reduceMean(kept));
  return { y, report: { balanceLoss, load, dropped } };
}
