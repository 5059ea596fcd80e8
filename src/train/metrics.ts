/** Classification metrics. */

export function accuracy(pred: ArrayLike<number>, gold: ArrayLike<number>): number {
  let right = 0;
  for (let i = 0; i < gold.length; i++) if (pred[i] === gold[i]) right++;
  return right / gold.length;
}

/** Unweighted mean of per-class F1 over the classes present in gold or predictions. */
export function macroF1(pred: ArrayLike<number>, gold: ArrayLike<number>, classes: number): number {
  const tp = new Float64Array(classes);
  const fp = new Float64Array(classes);
  const fn = new Float64Array(classes);
  for (let i = 0; i < gold.length; i++) {
    if (pred[i] === gold[i]) tp[gold[i]]++;
    else {
      fp[pred[i]]++;
      fn[gold[i]]++;
    }
  }
  let sum = 0;
  let n = 0;
  for (let c = 0; c < classes; c++) {
    if (tp[c] + fp[c] + fn[c] === 0) continue;
    sum += (2 * tp[c]) / (2 * tp[c] + fp[c] + fn[c]);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

export function argmaxRows(logits: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (logits[r * cols + c] > logits[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}
