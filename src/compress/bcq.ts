/**
 * Binary-coding quantization (Xu et al. 2018; nuQmm, Park et al. 2022): each group of `block`
 * consecutive input weights of a row is approximated by a sum of q binary vectors with their own
 * scales, w ~ sum_i alpha_i b_i with b_i in {-1, +1}^block. The levels are non-uniform (2^q sums
 * of the alphas) and fitted to the weights, where uniform k-bit quantization spaces its levels
 * evenly. Fitted greedily (alpha_i = mean |residual|, b_i = sign(residual)), then refined by
 * alternating least squares: the alphas by least squares given the codes, and each weight's code
 * by the nearest of the 2^q levels given the alphas. Each half-step cannot increase the error.
 */

export interface BcqScheme {
  /** Binary planes per weight: 1 to 4 bits. */
  q: number;
  /** Inputs per group sharing q scales. */
  block: number;
}

export interface BcqCoded {
  scheme: BcqScheme;
  rows: number;
  cols: number;
  /** Groups per row: ceil(cols / block); the last may be short. */
  groups: number;
  /** (q, rows, groups * block): 1 for +1, 0 for -1; padding of a short group is 0. */
  planes: Uint8Array;
  /** (q, rows, groups): the scale of each plane in each group. */
  scales: Float32Array;
}

/** Refinement rounds after the greedy start: the error stops moving after a handful on weight matrices. */
const ALS_ROUNDS = 8;

export function checkBcqScheme({ q, block }: BcqScheme): void {
  if (!(Number.isInteger(q) && q >= 1 && q <= 4)) throw new Error(`binary-coding quantization: q (binary planes) must be 1 to 4, got ${q}`);
  if (!(Number.isInteger(block) && block >= 2)) throw new Error(`binary-coding quantization: the group must hold at least 2 weights, got ${block}`);
}

/** Greedy start: plane i codes the sign of what planes 1..i-1 left, scaled by its mean magnitude. */
function greedy(w: Float64Array, q: number, codes: Int8Array[], alphas: Float64Array): void {
  const residual = Float64Array.from(w);
  for (let i = 0; i < q; i++) {
    let sum = 0;
    for (let k = 0; k < w.length; k++) {
      codes[i][k] = residual[k] >= 0 ? 1 : -1;
      sum += Math.abs(residual[k]);
    }
    alphas[i] = sum / w.length;
    for (let k = 0; k < w.length; k++) residual[k] -= alphas[i] * codes[i][k];
  }
}

/** Least-squares alphas given the codes: the q x q normal equations, solved by Gaussian elimination; unchanged when singular. */
function fitAlphas(w: Float64Array, codes: Int8Array[], alphas: Float64Array): void {
  const q = codes.length;
  const a = Array.from({ length: q }, (_, i) => Array.from({ length: q + 1 }, (_, j) => (j < q ? dot(codes[i], codes[j]) : dotW(codes[i], w))));
  for (let col = 0; col < q; col++) {
    let pivot = col;
    for (let r = col + 1; r < q; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (Math.abs(a[pivot][col]) < 1e-9) return;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < q; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let c = col; c <= q; c++) a[r][c] -= f * a[col][c];
    }
  }
  for (let i = 0; i < q; i++) alphas[i] = a[i][q] / a[i][i];
}

const dot = (x: Int8Array, y: Int8Array) => x.reduce((s, v, k) => s + v * y[k], 0);
const dotW = (x: Int8Array, w: Float64Array) => x.reduce((s, v, k) => s + v * w[k], 0);

/** Each weight's code: the nearest of the 2^q levels sum_i alpha_i b_i. */
function fitCodes(w: Float64Array, codes: Int8Array[], alphas: Float64Array): void {
  const q = codes.length;
  const levels = Array.from({ length: 1 << q }, (_, c) => alphas.reduce((s, a, i) => s + (c & (1 << i) ? a : -a), 0));
  for (let k = 0; k < w.length; k++) {
    let best = 0;
    for (let c = 1; c < levels.length; c++) if (Math.abs(w[k] - levels[c]) < Math.abs(w[k] - levels[best])) best = c;
    for (let i = 0; i < q; i++) codes[i][k] = best & (1 << i) ? 1 : -1;
  }
}

/** One group's codes and scales, least-squares refined. */
export function fitGroup(w: Float64Array, q: number, rounds = ALS_ROUNDS): { codes: Int8Array[]; alphas: Float64Array } {
  const codes = Array.from({ length: q }, () => new Int8Array(w.length));
  const alphas = new Float64Array(q);
  greedy(w, q, codes, alphas);
  for (let r = 0; r < rounds && q > 1; r++) {
    fitAlphas(w, codes, alphas);
    fitCodes(w, codes, alphas);
  }
  if (q > 1) fitAlphas(w, codes, alphas);
  return { codes, alphas };
}

/** A (rows, cols) weight in binary codes, groups of `block` along each row. */
export function bcqEncode(w: Float32Array, rows: number, cols: number, scheme: BcqScheme): BcqCoded {
  checkBcqScheme(scheme);
  const { q, block } = scheme;
  const groups = Math.ceil(cols / block);
  const width = groups * block;
  const planes = new Uint8Array(q * rows * width);
  const scales = new Float32Array(q * rows * groups);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const start = r * cols + g * block;
      const group = Float64Array.from(w.subarray(start, Math.min(start + block, (r + 1) * cols)));
      const { codes, alphas } = fitGroup(group, q);
      for (let i = 0; i < q; i++) {
        scales[(i * rows + r) * groups + g] = alphas[i];
        const base = (i * rows + r) * width + g * block;
        for (let k = 0; k < group.length; k++) planes[base + k] = codes[i][k] > 0 ? 1 : 0;
      }
    }
  }
  return { scheme, rows, cols, groups, planes, scales };
}

/** The weights a binary-coded file computes with. */
export function bcqDecode(c: BcqCoded): Float32Array {
  const { q, block } = c.scheme;
  const width = c.groups * block;
  const out = new Float32Array(c.rows * c.cols);
  for (let i = 0; i < q; i++) {
    for (let r = 0; r < c.rows; r++) {
      for (let col = 0; col < c.cols; col++) {
        const g = Math.floor(col / block);
        const sign = c.planes[(i * c.rows + r) * width + col] ? 1 : -1;
        out[r * c.cols + col] += sign * c.scales[(i * c.rows + r) * c.groups + g];
      }
    }
  }
  return out;
}

/** Bytes of the coded weight: q bits per stored weight plus q fp32 scales per group. */
export const bcqBytes = (c: BcqCoded): number => Math.ceil(c.planes.length / 8) + 4 * c.scales.length;
