/**
 * In-graph optimizer: global-norm clipping, warmup + decay schedule and AdamW with decoupled
 * weight decay, so a whole training step is one session.run.
 */
import { ops, type Tensor } from '../graph/index.ts';

export interface OptimizerConfig {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  /** Clip the global gradient norm to this value; 0 disables clipping. */
  clip_norm: number;
  warmup_steps: number;
  /**
   * Warm-up over this share of the budget instead of warmup_steps; the decay then runs from the
   * end of warm-up to the end of the budget, so the peak rate is reached at exactly this share.
   */
  warmup_fraction?: number;
  schedule: 'linear' | 'cosine' | 'constant';
  /** The learning rate decays to lr * min_lr_ratio at the end of the budget. */
  min_lr_ratio: number;
}

export interface ScheduleInputs {
  /** 1-based step number (float32 scalar). */
  step: Tensor;
  /** Fraction of the budget used, in [0, 1] (float32 scalar). */
  progress: Tensor;
}

/**
 * lr(step, progress) = lr * min(1, step / warmup) * decay(progress) with a warm-up in steps, or
 * lr * min(1, progress / f) * decay((progress - f) / (1 - f)) with a warm-up over a share f of the budget.
 */
export function learningRate(cfg: OptimizerConfig, { step, progress }: ScheduleInputs): Tensor {
  const f = cfg.warmup_fraction ?? 0;
  let warm: Tensor | null = null;
  if (f > 0) warm = ops.min(ops.div(progress, f), 1);
  else if (cfg.warmup_steps > 0) warm = ops.min(ops.div(step, cfg.warmup_steps), 1);
  const clamped = ops.min(ops.max(progress, 0), 1);
  const p = f > 0 ? ops.max(ops.div(ops.sub(clamped, f), 1 - f), 0) : clamped;
  let decay: Tensor | null = null;
  const floor = cfg.min_lr_ratio;
  if (cfg.schedule === 'linear') {
    decay = ops.add(ops.mul(ops.sub(ops.scalarLike(p, 1), p), 1 - floor), floor); // 1 -> floor
  } else if (cfg.schedule === 'cosine') {
    const cos = ops.cos(ops.mul(p, Math.PI));
    decay = ops.add(ops.mul(ops.add(cos, 1), 0.5 * (1 - floor)), floor); // 1 -> floor along a half cosine
  }
  let lr = ops.scalarLike(step, cfg.lr, 'base_lr');
  if (warm) lr = ops.mul(lr, warm);
  if (decay) lr = ops.mul(lr, decay);
  return lr;
}

/** sqrt(sum over all gradients of g^2). */
export function globalNorm(grads: readonly Tensor[]): Tensor {
  const squares = grads.map((g) => ops.reduceSum(ops.mul(g, g)));
  return ops.sqrt(ops.sum(squares));
}

export interface AdamWState {
  param: Tensor;
  grad: Tensor;
  m: Tensor;
  v: Tensor;
  decay: boolean;
}

export interface AdamWUpdate {
  param: Tensor;
  m: Tensor;
  v: Tensor;
}

/**
 * AdamW (Loshchilov & Hutter) with bias correction folded into two scalars:
 *   m' = m + (1 - b1)(g - m),   v' = v + (1 - b2)(g^2 - v)
 *   p' = p (1 - lr wd) - (lr / bc1) m' / (sqrt(v') / sqrt(bc2) + eps),  bc_i = 1 - b_i^step
 * `gradScale` (from clipping) multiplies every gradient first.
 */
export function adamw(cfg: OptimizerConfig, states: readonly AdamWState[], lr: Tensor, step: Tensor, gradScale: Tensor | null): AdamWUpdate[] {
  const [b1, b2] = cfg.betas;
  const bc1 = ops.sub(ops.scalarLike(step, 1), ops.pow(ops.scalarLike(step, b1), step));
  const bc2 = ops.sub(ops.scalarLike(step, 1), ops.pow(ops.scalarLike(step, b2), step));
  const stepSize = ops.div(lr, bc1);
  const invSqrtBc2 = ops.reciprocal(ops.sqrt(bc2));
  const shrink = ops.sub(ops.scalarLike(lr, 1), ops.mul(lr, cfg.weight_decay));
  return states.map(({ param, grad, m, v, decay }) =>
    param.graph.scope(`adamw/${param.name}`, () => {
      const g = gradScale ? ops.mul(grad, gradScale) : grad;
      const m2 = ops.add(m, ops.mul(ops.sub(g, m), 1 - b1));
      const v2 = ops.add(v, ops.mul(ops.sub(ops.mul(g, g), v), 1 - b2));
      const denom = ops.add(ops.mul(ops.sqrt(v2), invSqrtBc2), cfg.eps);
      const update = ops.mul(ops.div(m2, denom), stepSize);
      const kept = decay && cfg.weight_decay > 0 ? ops.mul(param, shrink) : param;
      return { param: ops.sub(kept, update), m: m2, v: v2 };
    }),
  );
}
