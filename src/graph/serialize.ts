/** Serializes a Graph to ONNX ModelProto bytes (IR 10, opset 21 + com.microsoft 1) via onnx-proto. */
import onnxProto from 'onnx-proto';
import { ONNX_DTYPE, type DType } from './dtype.ts';
import { MS_DOMAIN, type AttrValue, type ConstantData, type Graph } from './graph.ts';
import type { Shape } from './shape.ts';
import type { Tensor } from './tensor.ts';

const { onnx } = onnxProto;
const AttrType = onnx.AttributeProto.AttributeType;

export const OPSET = 21;
export const IR_VERSION = 10;

export interface SerializeOptions {
  /** Producer-visible documentation string. */
  docString?: string;
  /** Extra metadata_props entries (e.g. model config for exported files). */
  metadata?: Record<string, string>;
}

function valueInfo(t: Tensor): onnxProto.onnx.IValueInfoProto {
  return { name: t.name, type: { tensorType: { elemType: ONNX_DTYPE[t.dtype], shape: shapeProto(t.shape) } } };
}

function shapeProto(shape: Shape): onnxProto.onnx.ITensorShapeProto {
  return { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
}

function rawBytes(data: ConstantData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function tensorProto(name: string, dtype: DType, dims: number[], data: ConstantData): onnxProto.onnx.ITensorProto {
  return { name, dataType: ONNX_DTYPE[dtype], dims, rawData: rawBytes(data) };
}

function attribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer; wrap floats with float()`);
    return { name, type: AttrType.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttrType.INTS, ints: value };
  switch (value.kind) {
    case 'float':
      return { name, type: AttrType.FLOAT, f: value.value };
    case 'floats':
      return { name, type: AttrType.FLOATS, floats: value.value };
    case 'tensor': {
      const data = value.dtype === 'int64' ? BigInt64Array.from(value.data as ArrayLike<bigint>) : Float32Array.from(value.data as ArrayLike<number>);
      return { name, type: AttrType.TENSOR, t: tensorProto(name, value.dtype, value.shape, data) };
    }
  }
}

/**
 * Identity nodes that only give a computed value its graph-output name (Graph.output) are
 * dropped, and the producing node writes under that name instead: onnxruntime runs every
 * Identity as a copy, and a training step names about three outputs per parameter (the
 * updated weight and both moments), 18 ms a step on mlm-wide. Returns old name -> output name.
 */
function outputRenames(g: Graph): Map<string, string> {
  const produced = new Set(g.nodes.flatMap((n) => n.outputs));
  const outputs = new Set(g.outputs.map((t) => t.name));
  const renames = new Map<string, string>();
  for (const n of g.nodes) {
    if (n.op !== 'Identity' || n.domain !== '') continue;
    const [from] = n.inputs;
    const [to] = n.outputs;
    if (produced.has(from) && !outputs.has(from) && outputs.has(to) && !renames.has(from)) renames.set(from, to);
  }
  return renames;
}

/** Builds the ModelProto bytes for `g`. */
export function serializeGraph(g: Graph, options: SerializeOptions = {}): Uint8Array {
  const renames = outputRenames(g);
  const named = (name: string) => renames.get(name) ?? name;
  const renaming = (n: Graph['nodes'][number]) => n.op === 'Identity' && renames.get(n.inputs[0]) === n.outputs[0];
  const graph: onnxProto.onnx.IGraphProto = {
    name: g.name,
    input: g.inputs.map(valueInfo),
    output: g.outputs.map(valueInfo),
    initializer: g.initializers.map(({ tensor, data }) => tensorProto(tensor.name, tensor.dtype, tensor.shape as number[], data)),
    node: g.nodes
      .filter((n) => !renaming(n))
      .map((n) => ({
        name: n.name,
        opType: n.op,
        domain: n.domain,
        input: n.inputs.map(named),
        output: n.outputs.map(named),
        attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
      })),
  };
  const model: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'tltc',
    producerVersion: '0.1.0',
    docString: options.docString,
    opsetImport: [
      { domain: '', version: OPSET },
      { domain: MS_DOMAIN, version: 1 },
    ],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph,
  };
  return onnx.ModelProto.encode(model).finish();
}
