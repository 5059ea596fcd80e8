/**
 * Reverse-mode differentiation over a Graph. Iterative (graphs have thousands of nodes), pruned
 * to the nodes between the wrt tensors and the loss, one Sum per fan-out. Broadcasting is undone
 * here, once, so no rule has to.
 */
import { isFloat } from '../graph/dtype.ts';
import type { Graph } from '../graph/graph.ts';
import * as ops from '../graph/ops/index.ts';
import { formatShape, sameShape } from '../graph/shape.ts';
import type { Tensor } from '../graph/tensor.ts';
import { RULES, ruleKey } from './registry.ts';
import { NOT_DIFFERENTIABLE } from './rule.ts';

export interface GradientOptions {
  /** Upstream gradient of the loss; defaults to ones of the loss's shape. */
  seed?: Tensor;
}

/** Returns d loss / d t for each t in `wrt`, as tensors of `t`'s shape and dtype, in the same graph. */
export function gradients(loss: Tensor, wrt: readonly Tensor[], options: GradientOptions = {}): Tensor[] {
  const g = loss.graph;
  const nodes = g.nodes;
  const lossIndex = g.producerIndex(loss.name);
  const dependsOnWrt = forwardReach(g, wrt);
  const feedsLoss = backwardReach(g, loss, lossIndex);
  const relevant = (name: string) => name !== '' && dependsOnWrt.has(name) && feedsLoss.has(name) && isFloat(g.tensor(name).dtype);

  const pending = new Map<string, Tensor[]>();
  pending.set(loss.name, [options.seed ?? ops.expand(ops.scalarLike(loss, 1), loss.shape as number[])]);
  const take = (name: string): Tensor | null => {
    const parts = pending.get(name);
    if (!parts) return null;
    pending.delete(name);
    return parts.length === 1 ? parts[0] : g.scope(`${name}_grad`, () => ops.sum(parts));
  };
  // A wrt tensor that a node computes (a masked weight, say) keeps its gradient for the caller
  // while the walk carries it on to the node's inputs.
  const wrtNames = new Set(wrt.map((t) => t.name));
  const read = (name: string): Tensor | null => {
    if (!wrtNames.has(name)) return take(name);
    const total = take(name);
    if (total) pending.set(name, [total]);
    return total;
  };

  for (let i = lossIndex ?? -1; i >= 0; i--) {
    const node = nodes[i];
    if (!node.outputs.some(relevant)) continue;
    const dys = node.outputs.map(read);
    const needs = node.inputs.map(relevant);
    if (dys.every((d) => d === null) || !needs.some(Boolean)) continue;
    const rule = RULES.get(ruleKey(node));
    if (rule === undefined) throw new Error(`no gradient rule for ${ruleKey(node)} (node ${node.name})`);
    if (rule === NOT_DIFFERENTIABLE) continue;
    const inputs = node.inputs.map((name) => (name === '' ? null : g.tensor(name)));
    const outputs = node.outputs.map((name) => g.tensor(name));
    const grads = g.scope(`${node.name}_grad`, () => rule({ g, node, inputs, outputs, attrs: node.attrs, dys, needs }));
    grads.forEach((grad, k) => {
      if (!needs[k] || grad === null || grad === undefined) return;
      const x = inputs[k]!;
      const fitted = g.scope(`${node.name}_grad`, () => unbroadcast(grad, x));
      checkGradient(fitted, x, node.name, node.op, k);
      const list = pending.get(x.name) ?? [];
      list.push(fitted);
      pending.set(x.name, list);
    });
  }
  return wrt.map((t) => take(t.name) ?? ops.expand(ops.scalarLike(t, 0), t.shape as number[]));
}

function forwardReach(g: Graph, wrt: readonly Tensor[]): Set<string> {
  const reach = new Set(wrt.map((t) => t.name));
  for (const node of g.nodes) {
    if (node.inputs.some((n) => reach.has(n))) for (const o of node.outputs) reach.add(o);
  }
  return reach;
}

function backwardReach(g: Graph, loss: Tensor, lossIndex: number | undefined): Set<string> {
  const reach = new Set([loss.name]);
  for (let i = lossIndex ?? -1; i >= 0; i--) {
    const node = g.nodes[i];
    if (node.outputs.some((o) => reach.has(o))) for (const n of node.inputs) if (n !== '') reach.add(n);
  }
  return reach;
}

/** Sums a gradient with the op's broadcast shape back to the input's shape. */
function unbroadcast(grad: Tensor, x: Tensor): Tensor {
  if (sameShape(grad.shape, x.shape)) return grad;
  const lead = grad.rank - x.rank;
  if (lead < 0) return grad;
  const axes: number[] = [];
  grad.shape.forEach((d, i) => {
    if (i < lead || (x.shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  const summed = ops.reduceSum(grad, axes, { keepdims: true });
  return sameShape(summed.shape, x.shape) ? summed : ops.reshape(summed, x.shape as number[]);
}

function checkGradient(grad: Tensor, x: Tensor, nodeName: string, op: string, k: number): void {
  if (!sameShape(grad.shape, x.shape) || grad.dtype !== x.dtype) {
    throw new Error(
      `gradient of ${op} (node ${nodeName}) for input ${k} (${x.name}) is ${grad.dtype}${formatShape(grad.shape)}, expected ${x.dtype}${formatShape(x.shape)}`,
    );
  }
}
