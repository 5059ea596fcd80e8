/** The training step as one graph: forward, backward, clipping, schedule and AdamW. */
import { gradients } from '../autodiff/index.ts';
import { ops, serializeGraph, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { buildMlmLoss, mlmLossParamSpecs, type MlmLossOptions, type MlmShape } from '../nn/mlm.ts';
import { adamw, globalNorm, learningRate, type OptimizerConfig } from './optimizer.ts';

/** Names of the step graph's state outputs, so the trainer can adopt them as the next state. */
export const stateOutputName = (kind: 'param' | 'm' | 'v', name: string) => `${kind}_out/${name}`;
export const momentInputName = (kind: 'm' | 'v', name: string) => `${kind}/${name}`;
/** Output of the loss's gradient with respect to a sparse weight as the layers use it (weight x mask): dense, pruned positions included. */
export const denseGradName = (name: string) => `dense_grad/${name}`;

export interface TrainStepModel {
  bytes: Uint8Array;
  paramNames: string[];
  nodes: number;
  /** Shapes of the dropout mask inputs `dropout_mask/<i>`, in order. */
  dropoutMasks: number[][];
}

/**
 * Appends clipping, the schedule and AdamW for `loss` over `params` to the graph: inputs `step`,
 * `progress`, `m/<name>` and `v/<name>`; outputs `loss`, `grad_norm`, `lr` and the updated state.
 * Parameters with a keep-mask in `keepMasks` are multiplied by it after the update, so pruned
 * weights stay exactly zero whatever their moments hold. `denseGradients` adds an output of the
 * gradient with respect to each tensor it names (RigL grows connections by it).
 */
export function addOptimizerStep(
  loss: Tensor,
  params: readonly Tensor[],
  decay: readonly boolean[],
  opt: OptimizerConfig,
  keepMasks: ReadonlyMap<string, Tensor> = new Map(),
  denseGradients: ReadonlyMap<string, Tensor> = new Map(),
): void {
  const g = loss.graph;
  const step = g.input('step', 'float32', []);
  const progress = g.input('progress', 'float32', []);
  const all = gradients(loss, [...params, ...denseGradients.values()]);
  const grads = all.slice(0, params.length);
  [...denseGradients.keys()].forEach((name, i) => g.output(all[params.length + i], denseGradName(name)));
  const gradNorm = globalNorm(grads);
  const clip = opt.clip_norm > 0 ? ops.min(ops.div(ops.scalarLike(gradNorm, opt.clip_norm), ops.add(gradNorm, 1e-6)), 1) : null;
  const lr = learningRate(opt, { step, progress });
  const states = params.map((param, i) => ({
    param,
    grad: grads[i],
    m: g.input(momentInputName('m', param.name), 'float32', param.shape),
    v: g.input(momentInputName('v', param.name), 'float32', param.shape),
    decay: decay[i],
  }));
  const updates = adamw(opt, states, lr, step, clip);
  g.output(loss, 'loss');
  g.output(gradNorm, 'grad_norm');
  g.output(lr, 'lr');
  updates.forEach((u, i) => {
    const name = params[i].name;
    const mask = keepMasks.get(name);
    g.output(mask ? ops.mul(u.param, mask) : u.param, stateOutputName('param', name));
    g.output(u.m, stateOutputName('m', name));
    g.output(u.v, stateOutputName('v', name));
  });
}

/**
 * The masked LM's step; the weights named in `sparse` train under keep-masks fed each step, with
 * their dense gradients as outputs; `distill` makes it a distillation step (nn/distill.ts), the
 * teacher's weights fed as `teacher/<name>` inputs.
 */
export function buildTrainStep(c: ModelConfig, shape: MlmShape, opt: OptimizerConfig, sparse: readonly string[] = [], method: Pick<MlmLossOptions, 'slimming' | 'distill'> = {}): TrainStepModel {
  const mlm = buildMlmLoss(c, shape, { dropout: c.dropout, pruned: sparse, ...method });
  const specs = mlmLossParamSpecs(c, method);
  addOptimizerStep(mlm.loss, mlm.params, specs.map((s) => s.decay), opt, mlm.pruneMasks, mlm.effective);
  return {
    bytes: serializeGraph(mlm.graph),
    paramNames: mlm.params.map((p) => p.name),
    nodes: mlm.graph.nodes.length,
    dropoutMasks: mlm.dropoutMasks.map((m) => m.shape as number[]),
  };
}

/**
 * Forward-only graph with output `loss`: the masked-LM loss averaged over the batch's masked
 * tokens (without a Switch model's balance loss). A Switch model adds `expert_load` (layers,
 * experts), each expert's share of the tokens, and `expert_dropped` (layers), the share dropped.
 */
export function buildEvalStep(c: ModelConfig, shape: MlmShape, slimming = false): Uint8Array {
  const mlm = buildMlmLoss(c, shape, { dropout: 0, balance: false, ...(slimming ? { slimming: { lambda: 0 } } : {}) });
  const g = mlm.graph;
  g.output(mlm.loss, 'loss');
  if (mlm.routing.length > 0) {
    g.output(ops.concat(mlm.routing.map((r) => ops.unsqueeze(r.load, [0])), 0), 'expert_load');
    g.output(ops.concat(mlm.routing.map((r) => ops.reshape(r.dropped, [1])), 0), 'expert_dropped');
  }
  return serializeGraph(g);
}
