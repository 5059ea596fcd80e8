/**
 * The diagonal of the empirical Fisher information of chosen weights: squared gradients of the
 * task loss, summed over a few training batches. Weighting a weight's compression error by it,
 * sum F (w - Q(w))^2, estimates the loss increase to second order (the Fisher standing in for
 * the Hessian, as in HAWQ and Optimal Brain Damage), so layers can be ranked by how much they
 * mind being compressed.
 */
import { gradients } from '../autodiff/index.ts';
import { serializeGraph } from '../graph/index.ts';
import { buildClassifier, type Objective } from '../nn/classifier.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Parameter } from '../nn/params.ts';
import { createSession } from '../runtime/session.ts';
import { batchOf, type EncodedSplit } from '../train/classifier_data.ts';
import { parameterFeeds } from '../train/feeds.ts';

export interface GradientBatches {
  batch: number;
  batches: number;
  threads: number;
  objective?: Objective;
}

/** The task loss's gradients of `names` on each of the first `batches` training batches (no dropout), handed to `visit`. */
export async function eachBatchGradient(model: ModelConfig, classes: number, params: readonly Parameter[], split: EncodedSplit, names: readonly string[], shape: GradientBatches, visit: (grads: Map<string, Float32Array>) => void): Promise<void> {
  const { batch } = shape;
  const seq = model.max_len;
  const cg = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: true, objective: shape.objective });
  const byName = new Map(cg.params.map((t) => [t.name, t]));
  gradients(cg.loss!, names.map((n) => byName.get(n)!)).forEach((g, i) => cg.graph.output(g, `grad/${names[i]}`));
  const session = await createSession(serializeGraph(cg.graph), { threads: shape.threads });
  try {
    for (let k = 0; k < Math.min(shape.batches, Math.ceil(split.count / batch)); k++) {
      const rows = Array.from({ length: Math.min(batch, split.count - k * batch) }, (_, i) => k * batch + i);
      const out = await session.run(parameterFeeds(params, { ...batchOf(split, rows, batch, seq) }) as never);
      visit(new Map(names.map((n) => [n, out[`grad/${n}`].data as Float32Array])));
    }
  } finally {
    await session.release();
  }
}

/** The diagonal Fisher of `names`: squared gradients summed over the batches. */
export async function fisherDiagonal(model: ModelConfig, classes: number, params: readonly Parameter[], split: EncodedSplit, names: readonly string[], shape: GradientBatches): Promise<Map<string, Float64Array>> {
  const fisher = new Map(names.map((n) => [n, new Float64Array(params.find((p) => p.spec.name === n)!.data.length)]));
  await eachBatchGradient(model, classes, params, split, names, shape, (grads) => {
    for (const [n, g] of grads) {
      const f = fisher.get(n)!;
      for (let i = 0; i < f.length; i++) f[i] += g[i] * g[i];
    }
  });
  return fisher;
}
