/** Gradient rules for data movement: the adjoint moves dy back where the data came from. */
import * as ops from '../../graph/ops/index.ts';
import { formatShape, type Shape } from '../../graph/shape.ts';
import { dy, input, intAttr, NOT_DIFFERENTIABLE, type RuleEntry } from '../rule.ts';
import { constantValues } from './reduce.ts';

function staticShape(shape: Shape, op: string): number[] {
  return shape.map((d) => {
    if (typeof d !== 'number') throw new Error(`${op} gradient needs a static shape, got ${formatShape(shape)}`);
    return d;
  });
}

export const shapeRules: Record<string, RuleEntry> = {
  Reshape: (c) => [ops.reshape(dy(c), staticShape(input(c, 0).shape, 'Reshape')), null],
  Unsqueeze: (c) => [ops.reshape(dy(c), staticShape(input(c, 0).shape, 'Unsqueeze')), null],
  Squeeze: (c) => [ops.reshape(dy(c), staticShape(input(c, 0).shape, 'Squeeze')), null],
  Flatten: (c) => [ops.reshape(dy(c), staticShape(input(c, 0).shape, 'Flatten'))],
  // Expand is a broadcast: the walker sums dy back to the input's shape.
  Expand: (c) => [dy(c), null],
  // transpose by the inverse permutation
  Transpose: (c) => {
    const perm = c.attrs.perm as number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [ops.transpose(dy(c), inverse)];
  },
  // each input gets its slice of dy
  Concat: (c) => {
    const axis = intAttr(c, 'axis', 0);
    let offset = 0;
    return c.inputs.map((x, i) => {
      const len = x!.shape[axis] as number;
      const start = offset;
      offset += len;
      return c.needs[i] ? ops.slice(dy(c), [start], [start + len], [axis]) : null;
    });
  },
  // zero-pad dy back to the input's extent
  Slice: (c) => {
    const x = input(c, 0);
    const starts = constantValues(c.g, c.node.inputs[1]);
    const ends = constantValues(c.g, c.node.inputs[2]);
    const axes = c.node.inputs[3] ? constantValues(c.g, c.node.inputs[3]) : starts.map((_, i) => i);
    if (c.node.inputs[4]) throw new Error('Slice gradient: steps are not supported');
    const pads = new Array<number>(2 * x.rank).fill(0);
    axes.forEach((a, i) => {
      const d = x.shape[a] as number;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
      pads[a] = clamp(starts[i]);
      pads[a + x.rank] = d - clamp(ends[i]);
    });
    return [ops.padZeros(dy(c), pads), null, null, null, null];
  },
  // Pad's adjoint is the slice of the un-padded region
  Pad: (c) => {
    const x = input(c, 0);
    const pads = constantValues(c.g, c.node.inputs[1]);
    const shape = staticShape(x.shape, 'Pad');
    const axes = shape.map((_, i) => i);
    return [ops.slice(dy(c), axes.map((a) => pads[a]), axes.map((a) => pads[a] + shape[a]), axes), null];
  },
  // Gather on axis 0 (embeddings): the rows of dy added into zeros shaped like the table, each
  // row at its index. ScatterElements, not ScatterND: onnxruntime's ScatterND loses updates to
  // repeated indices (a frequent token's row) when it runs on more than one thread.
  Gather: (c) => {
    const [data, indices] = [input(c, 0), input(c, 1)];
    if (intAttr(c, 'axis', 0) !== 0) throw new Error(`Gather gradient: only axis 0 is supported (node ${c.node.name})`);
    const table = staticShape(data.shape, 'Gather');
    const width = table.slice(1).reduce((a, b) => a * b, 1);
    const rows = ops.reshape(dy(c), [-1, width]);
    const idx = ops.reshape(indices.dtype === 'int64' ? indices : ops.cast(indices, 'int64'), [-1, 1]);
    const spread = ops.expandTo(idx, ops.shapeOf(rows), rows.shape);
    const zeros = ops.expand(ops.scalarLike(data, 0), [table[0], width]);
    return [ops.reshape(ops.scatterElements(zeros, spread, rows, 0, 'add'), table), null];
  },
  ScatterElements: NOT_DIFFERENTIABLE,
  ScatterND: NOT_DIFFERENTIABLE,
  // Used for position ids in exported graphs only.
  CumSum: NOT_DIFFERENTIABLE,
  Shape: NOT_DIFFERENTIABLE,
};
