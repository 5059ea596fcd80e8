/** Losses: SoftmaxCrossEntropyLoss-13 with ignore_index. */
import { formatShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { FLOATS, requireDtype, requireSameGraph } from './util.ts';

export interface CrossEntropyResult {
  /** Scalar mean over non-ignored targets ('mean') or their sum ('sum'). */
  loss: Tensor;
  /** log softmax of the scores, shape (N, C); the gradient rule reuses it. */
  logProb: Tensor;
}

/** SoftmaxCrossEntropyLoss-13 on scores (N, C) and int64 labels (N); labels equal to ignoreIndex add nothing. */
export function softmaxCrossEntropy(
  scores: Tensor,
  labels: Tensor,
  { reduction = 'mean', ignoreIndex = -100 }: { reduction?: 'mean' | 'sum'; ignoreIndex?: number } = {},
): CrossEntropyResult {
  const g = requireSameGraph('SoftmaxCrossEntropyLoss', scores, labels);
  requireDtype('SoftmaxCrossEntropyLoss', scores, FLOATS);
  requireDtype('SoftmaxCrossEntropyLoss', labels, ['int64']);
  if (scores.rank !== 2 || labels.rank !== 1 || scores.shape[0] !== labels.shape[0]) {
    throw new Error(`SoftmaxCrossEntropyLoss: scores ${formatShape(scores.shape)} and labels ${formatShape(labels.shape)} must be (N, C) and (N)`);
  }
  const [loss, logProb] = g.addNode('SoftmaxCrossEntropyLoss', [scores, labels], { reduction, ignore_index: ignoreIndex }, [
    { dtype: scores.dtype, shape: [] },
    { dtype: scores.dtype, shape: scores.shape },
  ]);
  return { loss, logProb };
}
