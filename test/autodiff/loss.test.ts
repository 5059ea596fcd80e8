import { describe, it } from 'node:test';
import { ops } from '../../src/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';

describe('loss gradients', () => {
  for (const reduction of ['mean', 'sum'] as const) {
    it(`SoftmaxCrossEntropyLoss ${reduction} with ignore_index`, () =>
      gradcheck({
        name: `SoftmaxCrossEntropyLoss ${reduction}`,
        inputs: [{ shape: [4, 5] }, { shape: [4], int64: [2n, -100n, 0n, 4n] }],
        build: (_, [s, l]) => ops.softmaxCrossEntropy(s, l, { reduction }).loss,
      }));
  }
  it('SoftmaxCrossEntropyLoss with gradient through log-probabilities too', () =>
    gradcheck({
      name: 'SCE logProb',
      inputs: [{ shape: [3, 4] }, { shape: [3], int64: [1n, 3n, 3n] }],
      build: (_, [s, l]) => {
        const r = ops.softmaxCrossEntropy(s, l, { ignoreIndex: 7 });
        return [r.loss, r.logProb];
      },
    }));
});
