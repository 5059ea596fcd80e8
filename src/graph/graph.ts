import type { DType } from './dtype.ts';
import { formatShape, staticNumel, type Shape } from './shape.ts';
import { Tensor } from './tensor.ts';

export type AttrValue = number | number[] | string | AttrFloat | AttrFloats | AttrTensor;

/** Marks a number attribute as FLOAT (plain numbers are INT). */
export interface AttrFloat {
  kind: 'float';
  value: number;
}
export interface AttrFloats {
  kind: 'floats';
  value: number[];
}
export interface AttrTensor {
  kind: 'tensor';
  dtype: DType;
  shape: number[];
  data: ArrayLike<number | bigint>;
}

export const float = (value: number): AttrFloat => ({ kind: 'float', value });
export const floats = (value: number[]): AttrFloats => ({ kind: 'floats', value });

export interface Node {
  readonly name: string;
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Readonly<Record<string, AttrValue>>;
}

export type ConstantData = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface Initializer {
  readonly tensor: Tensor;
  readonly data: ConstantData;
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

export const MS_DOMAIN = 'com.microsoft';

/**
 * A graph under construction. Nodes are appended in topological order because a node can only
 * consume tensors that already exist; the autodiff walker and the serializer rely on that.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Tensor[] = [];
  readonly outputs: Tensor[] = [];
  readonly initializers: Initializer[] = [];
  private readonly values = new Map<string, Tensor>();
  private readonly producers = new Map<string, number>();
  private readonly scopes: string[] = [];
  private readonly nameCounts = new Map<string, number>();

  constructor(readonly name = 'tltc') {}

  /** Declares a graph input (fed at run time). */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    const t = this.register(name, dtype, shape);
    this.inputs.push(t);
    return t;
  }

  /** Adds a constant initializer; `name` is made unique within the current scope. */
  constant(data: ConstantData, dtype: DType, shape: number[], name = 'const'): Tensor {
    const n = staticNumel(shape, `constant ${name}`);
    if (data.length !== n) {
      throw new Error(`constant ${name}: ${data.length} values do not fill shape ${formatShape(shape)}`);
    }
    const t = this.register(this.uniqueName(name), dtype, shape);
    this.initializers.push({ tensor: t, data });
    return t;
  }

  /** Marks tensors as graph outputs, renaming them through Identity when a name is given. */
  output(t: Tensor, name?: string): Tensor {
    let out = t;
    if (name !== undefined && name !== t.name) {
      [out] = this.addNode('Identity', [t], {}, [{ dtype: t.dtype, shape: t.shape }], { outputNames: [name] });
    }
    this.outputs.push(out);
    return out;
  }

  /** Appends one node; callers (op builders) have already inferred the output specs. */
  addNode(
    op: string,
    inputs: readonly (Tensor | null)[],
    attrs: Record<string, AttrValue>,
    outputSpecs: readonly OutputSpec[],
    options: { domain?: string; name?: string; outputNames?: string[] } = {},
  ): Tensor[] {
    for (const t of inputs) {
      if (t !== null && this.values.get(t.name) !== t) {
        throw new Error(`${op}: input ${t.name} belongs to another graph`);
      }
    }
    const nodeName = this.uniqueName(options.name ?? op);
    const outputs = outputSpecs.map((spec, i) => {
      const outName = options.outputNames?.[i] ?? (outputSpecs.length === 1 ? nodeName : `${nodeName}:${i}`);
      return this.register(outName, spec.dtype, spec.shape);
    });
    const index = this.nodes.length;
    this.nodes.push({
      name: nodeName,
      op,
      domain: options.domain ?? '',
      inputs: inputs.map((t) => (t === null ? '' : t.name)),
      outputs: outputs.map((t) => t.name),
      attrs,
    });
    for (const t of outputs) this.producers.set(t.name, index);
    return outputs;
  }

  /** Runs `build` with names prefixed by `scope/`, so dumped graphs read like the model. */
  scope<T>(scope: string, build: () => T): T {
    this.scopes.push(scope);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  tensor(name: string): Tensor {
    const t = this.values.get(name);
    if (!t) throw new Error(`graph ${this.name}: no tensor named ${name}`);
    return t;
  }

  producerIndex(name: string): number | undefined {
    return this.producers.get(name);
  }

  uniqueName(base: string): string {
    const full = this.scopes.length > 0 ? `${this.scopes.join('/')}/${base}` : base;
    const count = this.nameCounts.get(full) ?? 0;
    this.nameCounts.set(full, count + 1);
    const name = count === 0 && !this.values.has(full) ? full : `${full}_${count}`;
    return this.values.has(name) ? this.uniqueName(`${base}_`) : name;
  }

  private register(name: string, dtype: DType, shape: Shape): Tensor {
    if (this.values.has(name)) throw new Error(`graph ${this.name}: tensor name ${name} is already used`);
    const t = new Tensor(this, name, dtype, [...shape]);
    this.values.set(name, t);
    return t;
  }
}
