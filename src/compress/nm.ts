/**
 * N:M structured sparsity: in every group of M consecutive input weights of a row, at most N are
 * non-zero (2:4 is what sparse tensor cores run). Masks keep the N largest magnitudes of each
 * group; gradual pruning lowers the kept count per group from M to N as training goes on (the
 * "gradual magnitude within groups" way of learning the pattern). The compact form stores the N
 * values of each group and a one-bit-per-weight position mask: for 2:4 that is 4 bits per group,
 * the same as two 2-bit indices, and for 4:8 8 bits where indices would take 12.
 */

export interface NmPattern {
  n: number;
  m: number;
}

/** `2:4`, `4:8`: N kept of every M, with 1 <= N < M <= 16. */
export function parseNmPattern(spec: string): NmPattern {
  const match = /^(\d+):(\d+)$/.exec(spec.trim());
  if (!match) throw new Error(`N:M pattern "${spec}" is not understood: write it as N:M, e.g. 2:4 or 4:8`);
  const [n, m] = [Number(match[1]), Number(match[2])];
  checkNmPattern({ n, m });
  return { n, m };
}

export function checkNmPattern({ n, m }: NmPattern): void {
  if (!(Number.isInteger(m) && m >= 2 && m <= 16)) throw new Error(`N:M pattern ${n}:${m}: M must be a whole number from 2 to 16`);
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`N:M pattern ${n}:${m}: N must be a whole number of at least 1`);
  if (n >= m) throw new Error(`N:M pattern ${n}:${m}: N must be less than M (N of every M weights are kept), e.g. 2:4`);
}

/** The sparsity an N:M pattern reaches on whole groups. */
export const nmSparsity = ({ n, m }: NmPattern): number => 1 - n / m;

/** Groups per row of `cols` inputs: the last one may be short (after structured pruning). */
export const groupsPerRow = (cols: number, m: number): number => Math.ceil(cols / m);

/** Weights kept in a group of `length` when `keep` of every M are: a short last group keeps at most `keep`. */
const keptIn = (length: number, keep: number) => Math.min(length, keep);

/**
 * Keep-mask (1 = keep) of a (rows, cols) weight keeping the `keep` largest |w| of each group of
 * `m` consecutive inputs of a row; ties go to the earlier position, so masks are deterministic.
 */
export function nmMask(w: Float32Array, rows: number, cols: number, keep: number, m: number): Uint8Array {
  if (w.length !== rows * cols) throw new Error(`N:M mask: ${w.length} weights are not ${rows} x ${cols}`);
  const mask = new Uint8Array(w.length);
  const order = new Int32Array(m);
  for (let r = 0; r < rows; r++) {
    for (let start = r * cols; start < (r + 1) * cols; start += m) {
      const length = Math.min(m, (r + 1) * cols - start);
      for (let j = 0; j < length; j++) order[j] = j;
      const byMagnitude = order.subarray(0, length).sort((a, b) => Math.abs(w[start + b]) - Math.abs(w[start + a]) || a - b);
      for (let j = 0; j < keptIn(length, keep); j++) mask[start + byMagnitude[j]] = 1;
    }
  }
  return mask;
}

/** How many of every M a gradual schedule keeps at `sparsity` (between 0 and the pattern's): never below N. */
export function keptPerGroup(sparsity: number, pattern: NmPattern): number {
  return Math.max(pattern.n, pattern.m - Math.floor(sparsity * pattern.m + 1e-9));
}

/** Whether every group of a (rows, cols) weight has at most N non-zeros. */
export function followsPattern(w: Float32Array, rows: number, cols: number, { n, m }: NmPattern): boolean {
  for (let r = 0; r < rows; r++) {
    for (let start = r * cols; start < (r + 1) * cols; start += m) {
      let nonzero = 0;
      for (let i = start; i < Math.min(start + m, (r + 1) * cols); i++) if (w[i] !== 0) nonzero++;
      if (nonzero > n) return false;
    }
  }
  return true;
}

/** A weight in compact N:M form: N values per group (padded with zeros) and the bit mask of their positions. */
export interface NmCompact {
  pattern: NmPattern;
  rows: number;
  cols: number;
  /** (rows, groups, N): each group's kept values in position order. */
  values: Float32Array;
  /** (rows, groups, M): 1 where a value is stored; exactly N ones per group, a short last group's padding positions included. */
  positions: Uint8Array;
}

/**
 * The compact form of a weight pruned to N:M by magnitude (a weight trained with the pattern keeps
 * all its non-zeros). A group with fewer than N non-zeros stores zeros at its first free positions,
 * so every group has exactly N positions set, which is what the decoder in the file relies on.
 */
export function nmCompact(w: Float32Array, rows: number, cols: number, pattern: NmPattern): NmCompact {
  const { n, m } = pattern;
  const groups = groupsPerRow(cols, m);
  const padded = new Float32Array(rows * groups * m);
  for (let r = 0; r < rows; r++) padded.set(w.subarray(r * cols, (r + 1) * cols), r * groups * m);
  const positions = nmMask(padded, rows * groups, m, n, m);
  const layout = { pattern, rows, cols, positions };
  return { ...layout, values: keptValues(layout, w) };
}

/** The entries of a dense (rows, cols) array at a compact form's positions, in its order (padding reads as 0). */
export function keptValues(c: Omit<NmCompact, 'values'>, dense: ArrayLike<number>): Float32Array {
  const { n, m } = c.pattern;
  const groups = groupsPerRow(c.cols, m);
  const out = new Float32Array(c.rows * groups * n);
  for (let b = 0; b < c.rows * groups; b++) {
    const [r, first] = [Math.floor(b / groups), (b % groups) * m];
    let j = 0;
    for (let k = 0; k < m; k++) {
      if (!c.positions[b * m + k]) continue;
      if (first + k < c.cols) out[b * n + j] = dense[r * c.cols + first + k];
      j++;
    }
  }
  return out;
}

/** The dense (rows, cols) weight of a compact form: what the file decodes when a session loads. */
export function nmDense(c: NmCompact): Float32Array {
  const { n, m } = c.pattern;
  const groups = groupsPerRow(c.cols, m);
  const out = new Float32Array(c.rows * c.cols);
  for (let r = 0; r < c.rows; r++) {
    for (let g = 0; g < groups; g++) {
      const b = r * groups + g;
      let j = 0;
      for (let k = 0; k < m; k++) {
        if (!c.positions[b * m + k]) continue;
        const col = g * m + k;
        if (col < c.cols) out[r * c.cols + col] = c.values[b * n + j];
        j++;
      }
    }
  }
  return out;
}
