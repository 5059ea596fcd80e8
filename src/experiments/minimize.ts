/**
 * Unconstrained minimisation of a smooth function of a few parameters (BFGS with a backtracking
 * line search). Written here because the scaling-law fit needs only five parameters and an
 * analytic gradient, and the JavaScript optimisation packages on npm are either unmaintained or
 * least-squares only (the fit minimises a Huber loss).
 */

export interface Objective {
  /** The value and the gradient at x. */
  (x: readonly number[]): { value: number; gradient: number[] };
}

export interface Minimum {
  x: number[];
  value: number;
  iterations: number;
  converged: boolean;
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
const identity = (n: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
const times = (m: readonly number[][], v: readonly number[]) => m.map((row) => dot(row, v));

/** Backtracking (Armijo) step along `direction`; null when no step lowers the value. */
function lineSearch(f: Objective, x: readonly number[], at: { value: number; gradient: number[] }, direction: readonly number[]) {
  const slope = dot(at.gradient, direction);
  if (!(slope < 0)) return null;
  for (let step = 1; step > 1e-12; step *= 0.5) {
    const next = x.map((v, i) => v + step * direction[i]);
    const there = f(next);
    if (Number.isFinite(there.value) && there.value <= at.value + 1e-4 * step * slope) return { x: next, ...there };
  }
  return null;
}

/**
 * BFGS update of the inverse Hessian H with step s and gradient change y:
 * H' = (I - rho s y^T) H (I - rho y s^T) + rho s s^T, rho = 1 / (y^T s); skipped when y^T s <= 0.
 */
function updateInverseHessian(h: number[][], s: readonly number[], y: readonly number[]): number[][] {
  const ys = dot(y, s);
  if (!(ys > 1e-12)) return h;
  const rho = 1 / ys;
  const hy = times(h, y);
  const yhy = dot(y, hy);
  return h.map((row, i) => row.map((v, j) => v - rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]));
}

/**
 * Minimises f from x0; stops when the gradient's largest entry falls below `tolerance`, when
 * ten iterations together lower the value by less than `tolerance` relative to it (a Huber
 * loss is nearly linear away from zero, where the gradient never vanishes), or no step helps.
 */
export function minimizeBfgs(f: Objective, x0: readonly number[], options: { maxIterations?: number; tolerance?: number } = {}): Minimum {
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-8;
  let x = [...x0];
  let at = f(x);
  let h = identity(x.length);
  const history: number[] = [];
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    history.push(at.value);
    const stalled = history.length > 10 && history[history.length - 11] - at.value <= tolerance * Math.abs(at.value);
    if (stalled || Math.max(...at.gradient.map(Math.abs)) < tolerance) return { x, value: at.value, iterations: iteration, converged: true };
    let next = lineSearch(f, x, at, times(h, at.gradient).map((v) => -v));
    if (!next) {
      // A stale curvature estimate can point uphill: restart from steepest descent once.
      h = identity(x.length);
      next = lineSearch(f, x, at, at.gradient.map((v) => -v));
      if (!next) return { x, value: at.value, iterations: iteration, converged: true };
    }
    const s = next.x.map((v, i) => v - x[i]);
    const y = next.gradient.map((g, i) => g - at.gradient[i]);
    h = updateInverseHessian(h, s, y);
    x = next.x;
    at = { value: next.value, gradient: next.gradient };
  }
  return { x, value: at.value, iterations: maxIterations, converged: false };
}
