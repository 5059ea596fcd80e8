/**
 * Numerical gradient check: builds L = sum_j <y_j, v_j> with fixed random v, differentiates it with
 * tltc's autodiff, and compares every input element's gradient with a central difference.
 */
import { gradients } from '../../src/autodiff/index.ts';
import { Graph, ops, serializeGraph, type DType, type Tensor } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { seededRandom } from './rng.ts';

export type Domain = 'normal' | 'positive' | 'awayFromZero' | 'unit';

export interface InputSpec {
  shape: number[];
  domain?: Domain;
  /** int64 inputs (indices, labels) are fixed data and never differentiated. */
  int64?: bigint[];
}

export interface GradCheckCase {
  name: string;
  dtype?: 'float32' | 'float64';
  inputs: InputSpec[];
  build: (g: Graph, xs: Tensor[]) => Tensor | Tensor[];
  /** Indices of inputs to differentiate; defaults to every float input. */
  wrt?: number[];
  seed?: number;
  rtol?: number;
  atol?: number;
  step?: number;
}

type FloatArray = Float32Array | Float64Array;

function sample(domain: Domain, rand: () => number): number {
  const n = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  switch (domain) {
    case 'normal':
      return n;
    case 'positive':
      return 0.5 + 1.5 * rand();
    case 'awayFromZero':
      return (rand() < 0.5 ? -1 : 1) * (0.5 + rand());
    case 'unit':
      return rand() * 2 - 1;
  }
}

async function buildChecker(c: GradCheckCase, wrt: number[]) {
  const dtype: DType = c.dtype ?? 'float64';
  const rand = seededRandom(c.seed ?? 1234);
  const g = new Graph(c.name);
  const xs = c.inputs.map((spec, i) => g.input(`x${i}`, spec.int64 ? 'int64' : dtype, spec.shape));
  const ys = [c.build(g, xs)].flat();
  const terms = ys.map((y, j) => {
    const n = y.shape.reduce<number>((a, d) => a * (d as number), 1);
    const v = Float64Array.from({ length: n }, () => sample('normal', rand));
    const vT = g.constant(dtype === 'float64' ? v : Float32Array.from(v), dtype, y.shape as number[], `v${j}`);
    return ops.reduceSum(ops.mul(y, vT));
  });
  const loss = ops.sum(terms);
  g.output(loss, 'loss');
  const grads = gradients(loss, wrt.map((i) => xs[i]));
  grads.forEach((gr, k) => g.output(gr, `grad${k}`));
  const session = await createSession(serializeGraph(g), { threads: 1, optimization: 'disabled' });
  const values = c.inputs.map((spec) => {
    const n = spec.shape.reduce((a, d) => a * d, 1);
    if (spec.int64) return BigInt64Array.from(spec.int64);
    const data = Float64Array.from({ length: n }, () => sample(spec.domain ?? 'normal', rand));
    return dtype === 'float64' ? data : Float32Array.from(data);
  });
  const run = async () => {
    const feeds = Object.fromEntries(
      values.map((v, i) => [`x${i}`, ortTensor(v instanceof BigInt64Array ? 'int64' : dtype, v, c.inputs[i].shape)]),
    );
    const out = await session.run(feeds);
    return out;
  };
  return { values, run };
}

/** Throws with the case, input, element and both values when a gradient is off. */
export async function gradcheck(c: GradCheckCase): Promise<void> {
  const floatInputs = c.inputs.map((s, i) => (s.int64 ? -1 : i)).filter((i) => i >= 0);
  const wrt = c.wrt ?? floatInputs;
  await checkWith(c, wrt);
  // Each input alone as well: rules must build correct gradients when the others are not needed.
  if (wrt.length > 1) for (const i of wrt) await checkWith(c, [i]);
}

async function checkWith(c: GradCheckCase, wrt: number[]): Promise<void> {
  const f64 = (c.dtype ?? 'float64') === 'float64';
  const step = c.step ?? (f64 ? 1e-6 : 1e-2);
  const rtol = c.rtol ?? (f64 ? 1e-6 : 2e-3);
  const atol = c.atol ?? (f64 ? 1e-8 : 2e-3);
  const { values, run } = await buildChecker(c, wrt);
  const base = await run();
  for (const [k, i] of wrt.entries()) {
    const analytic = base[`grad${k}`].data as FloatArray;
    const x = values[i] as FloatArray;
    for (let e = 0; e < x.length; e++) {
      const orig = x[e];
      x[e] = orig + step;
      const plus = Number((await run()).loss.data[0]);
      x[e] = orig - step;
      const minus = Number((await run()).loss.data[0]);
      x[e] = orig;
      const numeric = (plus - minus) / (2 * step);
      const err = Math.abs(analytic[e] - numeric);
      if (!(err <= atol + rtol * Math.abs(numeric))) {
        throw new Error(
          `gradcheck ${c.name} (seed ${c.seed ?? 1234}, wrt [${wrt}]): d/dx${i}[${e}] analytic ${analytic[e]} vs numeric ${numeric}`,
        );
      }
    }
  }
}
