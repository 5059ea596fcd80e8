/** The vocabulary every gradient rule speaks. */
import type { AttrValue, Graph, Node } from '../graph/graph.ts';
import type { Tensor } from '../graph/tensor.ts';

export interface GradContext {
  readonly g: Graph;
  readonly node: Node;
  /** The node's inputs (null for omitted optional inputs). */
  readonly inputs: readonly (Tensor | null)[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** Upstream gradient per output, null where nothing flows back. */
  readonly dys: readonly (Tensor | null)[];
  /** Which input gradients the walker wants; a rule builds only those. */
  readonly needs: readonly boolean[];
}

/**
 * Returns one gradient per input (null = none). A gradient may have the broadcast shape of the
 * op; the walker sums it back to the input's shape.
 */
export type GradRule = (ctx: GradContext) => (Tensor | null)[];

/** Marks an op whose outputs carry no gradient (comparisons, index computations, statistics). */
export const NOT_DIFFERENTIABLE = 'not differentiable' as const;

export type RuleEntry = GradRule | typeof NOT_DIFFERENTIABLE;

export function intAttr(ctx: GradContext, name: string, fallback: number): number {
  const v = ctx.attrs[name];
  return typeof v === 'number' ? v : fallback;
}

export function floatAttr(ctx: GradContext, name: string, fallback: number): number {
  const v = ctx.attrs[name];
  if (v && typeof v === 'object' && !Array.isArray(v) && v.kind === 'float') return v.value;
  return fallback;
}

export function input(ctx: GradContext, i: number): Tensor {
  const t = ctx.inputs[i];
  if (!t) throw new Error(`${ctx.node.op} gradient: input ${i} of ${ctx.node.name} is missing`);
  return t;
}

export function dy(ctx: GradContext, i = 0): Tensor {
  const t = ctx.dys[i];
  if (!t) throw new Error(`${ctx.node.op} gradient: no upstream gradient for output ${i} of ${ctx.node.name}`);
  return t;
}
