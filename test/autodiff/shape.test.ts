import { describe, it } from 'node:test';
import { ops } from '../../src/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';

describe('shape gradients', () => {
  it('Reshape with 0 and -1', () =>
    gradcheck({ name: 'Reshape', inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => ops.reshape(x, [0, -1]) }));
  it('Transpose (0, 2, 1, 3)', () =>
    gradcheck({ name: 'Transpose', inputs: [{ shape: [2, 3, 2, 2] }], build: (_, [x]) => ops.transpose(x, [0, 2, 1, 3]) }));
  it('Transpose (2, 0, 1)', () =>
    gradcheck({ name: 'Transpose', inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => ops.transpose(x, [2, 0, 1]) }));
  it('Concat axis 1', () =>
    gradcheck({ name: 'Concat', inputs: [{ shape: [2, 3] }, { shape: [2, 1] }], build: (_, [a, b]) => ops.concat([a, b, a], 1) }));
  it('Slice with negative bounds', () =>
    gradcheck({ name: 'Slice', inputs: [{ shape: [3, 5] }], build: (_, [x]) => ops.slice(x, [1, -4], [3, -1], [0, 1]) }));
  it('Pad', () => gradcheck({ name: 'Pad', inputs: [{ shape: [2, 3] }], build: (_, [x]) => ops.padZeros(x, [1, 0, 0, 2]) }));
  it('Unsqueeze and Squeeze', () =>
    gradcheck({ name: 'Unsqueeze', inputs: [{ shape: [2, 3] }], build: (_, [x]) => ops.squeeze(ops.mul(ops.unsqueeze(x, [0, 2]), x), [0]) }));
  it('Expand', () => gradcheck({ name: 'Expand', inputs: [{ shape: [3, 1] }], build: (_, [x]) => ops.expand(x, [2, 3, 4]) }));
  it('Gather rows with repeated indices (embedding)', () =>
    gradcheck({
      name: 'Gather',
      inputs: [{ shape: [5, 3] }, { shape: [2, 3], int64: [4n, 0n, 4n, 1n, 1n, 4n] }],
      build: (_, [table, idx]) => ops.gather(table, idx, 0),
    }));
});
