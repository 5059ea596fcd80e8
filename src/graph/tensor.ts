import type { DType } from './dtype.ts';
import type { Graph } from './graph.ts';
import { formatShape, type Shape } from './shape.ts';

/** A symbolic tensor: a named value in a graph with a dtype and a shape known at build time. */
export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${formatShape(this.shape)}`;
  }
}
