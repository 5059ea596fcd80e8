/** Gradient rules for losses. */
import * as ops from '../../graph/ops/index.ts';
import type { Tensor } from '../../graph/tensor.ts';
import { input, intAttr, type RuleEntry } from '../rule.ts';

export const lossRules: Record<string, RuleEntry> = {
  // loss = reduce_i w_i * -logp[i, label_i],  w_i = [label_i != ignore] (/ sum w for 'mean')
  // dscores = dloss * w * (softmax - onehot(label)),  softmax = exp(logp)
  // An upstream gradient on logp itself adds dlogp - softmax * sum(dlogp).
  SoftmaxCrossEntropyLoss: (c) => {
    const [scores, labels] = [input(c, 0), input(c, 1)];
    const logProb = c.outputs[1];
    const [dLoss, dLogProb] = c.dys;
    const classes = scores.shape[1] as number;
    const prob = ops.exp(logProb);
    const terms: Tensor[] = [];
    if (dLoss) {
      const labelsCol = ops.unsqueeze(labels, [1]); // (N) -> (N, 1)
      const onehot = ops.cast(ops.equal(labelsCol, ops.arange(c.g, classes)), scores.dtype);
      const ignore = ops.scalar(c.g, intAttr(c, 'ignore_index', -100), 'int64');
      const keep = ops.cast(ops.not(ops.equal(labelsCol, ignore)), scores.dtype);
      const reduction = c.attrs.reduction ?? 'mean';
      const weight = reduction === 'mean' ? ops.div(keep, ops.reduceSum(keep)) : keep;
      terms.push(ops.mul(ops.mul(ops.sub(prob, onehot), weight), dLoss));
    }
    if (dLogProb) {
      terms.push(ops.sub(dLogProb, ops.mul(prob, ops.reduceSum(dLogProb, [1], { keepdims: true }))));
    }
    return [ops.sum(terms), null, null];
  },
};
