/** Gradient rules for neural-network ops, composed from standard ONNX ops (the inference build of
 * onnxruntime has no SoftmaxGrad, GeluGrad or LayerNormalizationGrad kernels). */
import * as ops from '../../graph/ops/index.ts';
import type { Tensor } from '../../graph/tensor.ts';
import { dy, input, NOT_DIFFERENTIABLE, type GradContext, type RuleEntry } from '../rule.ts';

export const nnRules: Record<string, RuleEntry> = {
  // dx = y * (dy - sum(dy * y, axis))
  Softmax: (c) => {
    const y = c.outputs[0];
    const axis = c.attrs.axis as number;
    const dot = ops.reduceSum(ops.mul(dy(c), y), [axis], { keepdims: true });
    return [ops.mul(y, ops.sub(dy(c), dot))];
  },
  // y = x - logsumexp(x)  =>  dx = dy - exp(y) * sum(dy, axis)
  LogSoftmax: (c) => {
    const axis = c.attrs.axis as number;
    const total = ops.reduceSum(dy(c), [axis], { keepdims: true });
    return [ops.sub(dy(c), ops.mul(ops.exp(c.outputs[0]), total))];
  },
  // xhat = (x - mean) * r,  g = dy * scale
  // dx = r * (g - mean(g) - xhat * mean(g * xhat)),  dscale = dy * xhat,  dbias = dy
  // (dscale and dbias are summed over rows by the walker)
  LayerNormalization: (c) => {
    const [x, scale] = [input(c, 0), input(c, 1)];
    const [mean, invStd] = c.outputs.slice(1).map((t) => (t.dtype === x.dtype ? t : ops.cast(t, x.dtype)));
    const d = dy(c);
    const xhat = ops.mul(ops.sub(x, mean), invStd);
    let dx = null;
    if (c.needs[0]) {
      const g = ops.mul(d, scale);
      const meanG = ops.reduceMean(g, [-1], { keepdims: true });
      const meanGX = ops.reduceMean(ops.mul(g, xhat), [-1], { keepdims: true });
      dx = ops.mul(invStd, ops.sub(ops.sub(g, meanG), ops.mul(xhat, meanGX)));
    }
    return [dx, c.needs[1] ? ops.mul(d, xhat) : null, c.needs[2] ? d : null];
  },
  // gelu(x) = x * Phi(x)  =>  dx = dy * (Phi(x) + x * phi(x)),  phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
  Gelu: (c) => geluGrad(c),
  'com.microsoft:Gelu': (c) => geluGrad(c),
  'com.microsoft:BiasGelu': NOT_DIFFERENTIABLE,
};

function geluGrad(c: GradContext): (Tensor | null)[] {
  const x = input(c, 0);
  const cdf = ops.mul(ops.add(ops.erf(ops.mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = ops.mul(ops.exp(ops.mul(ops.mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  return [ops.mul(dy(c), ops.add(cdf, ops.mul(x, pdf)))];
}
