import { describe, it } from 'node:test';
import { ops } from '../../src/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';

describe('reduce gradients', () => {
  const cases: [number[], boolean][] = [
    [[1], false],
    [[0, 2], true],
    [[-1], true],
    [[0, 1, 2], false],
  ];
  for (const [axes, keepdims] of cases) {
    it(`ReduceSum axes [${axes}] keepdims ${keepdims}`, () =>
      gradcheck({ name: 'ReduceSum', inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => ops.reduceSum(x, axes, { keepdims }) }));
    it(`ReduceMean axes [${axes}] keepdims ${keepdims}`, () =>
      gradcheck({ name: 'ReduceMean', inputs: [{ shape: [2, 3, 4] }], build: (_, [x]) => ops.reduceMean(x, axes, { keepdims }) }));
  }
});
