/** Pareto fronts of compressed models (accuracy against bytes or latency) and the recommendation under limits. */

export interface ModelPoint {
  id: string;
  model: string;
  method: string;
  accuracy: number;
  /** Bootstrap 95% interval of the accuracy, where measured. */
  accuracy_95?: [number, number];
  bytes: number;
  latency_ms: number;
}

/** Points no other point beats on both accuracy (higher) and cost (lower), sorted by cost. */
export function paretoFront<T extends { accuracy: number }>(points: readonly T[], cost: (p: T) => number): T[] {
  const sorted = [...points].sort((a, b) => cost(a) - cost(b) || b.accuracy - a.accuracy);
  const front: T[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.accuracy > best) {
      front.push(p);
      best = p.accuracy;
    }
  }
  return front;
}

export interface InferenceLimits {
  maxBytes?: number;
  maxLatencyMs?: number;
}

/** The most accurate point within the limits (ties: the smaller file), or undefined when none fits. */
export function recommend<T extends ModelPoint>(points: readonly T[], limits: InferenceLimits): T | undefined {
  const fits = points.filter((p) => (limits.maxBytes === undefined || p.bytes <= limits.maxBytes) && (limits.maxLatencyMs === undefined || p.latency_ms <= limits.maxLatencyMs));
  if (fits.length === 0) return undefined;
  return fits.reduce((a, b) => (b.accuracy > a.accuracy || (b.accuracy === a.accuracy && b.bytes < a.bytes) ? b : a));
}

type Brief = { id: string; bytes: number; accuracy: number; accuracy_95?: [number, number] };

export interface EqualBytesPair {
  large: Brief;
  /** The most accurate point of the small model whose file is no larger. */
  small?: Brief;
  /** Which is more accurate beyond the noise; 'no measurable difference' when the intervals overlap. */
  verdict: 'large' | 'small' | 'no measurable difference';
  large_wins: boolean;
}

/**
 * 'large' or 'small' only when their 95% intervals do not overlap (without intervals, the raw
 * accuracies decide). Non-overlap is a conservative test; a paired one would need the per-example
 * predictions, which the points do not keep.
 */
function verdictOf(large: Brief, small: Brief): EqualBytesPair['verdict'] {
  if (large.accuracy_95 && small.accuracy_95) {
    if (large.accuracy_95[0] > small.accuracy_95[1]) return 'large';
    if (small.accuracy_95[0] > large.accuracy_95[1]) return 'small';
    return 'no measurable difference';
  }
  if (large.accuracy === small.accuracy) return 'no measurable difference';
  return large.accuracy > small.accuracy ? 'large' : 'small';
}

export interface EqualBytesComparison {
  large_model: string;
  small_model: string;
  pairs: EqualBytesPair[];
  /**
   * 'yes': at some file size a point of the large model beats the best small-model point that is
   * no larger, beyond the noise; 'no': at every compared size the small model's point is better
   * beyond the noise; otherwise 'no measurable difference'.
   */
  answer: 'yes' | 'no' | 'no measurable difference';
}

/**
 * The seed paper's second question: at equal file size, does a heavily compressed large model
 * beat a lightly compressed small one? Each point of the large model no larger than the small
 * model's largest file is paired with the best point of the small model that fits in its bytes.
 */
export function compareAtEqualBytes<T extends ModelPoint>(points: readonly T[], largeModel: string, smallModel: string): EqualBytesComparison {
  const small = points.filter((p) => p.model === smallModel);
  // Only sizes the small model also spans: a large file beating a smaller one is no equal-bytes win.
  const largestSmall = Math.max(...small.map((p) => p.bytes));
  const pairs = points
    .filter((p) => p.model === largeModel && p.bytes <= largestSmall)
    .sort((a, b) => a.bytes - b.bytes)
    .map((l): EqualBytesPair => {
      const best = recommend(small, { maxBytes: l.bytes });
      const brief = (p: T): Brief => ({ id: p.id, bytes: p.bytes, accuracy: p.accuracy, ...(p.accuracy_95 ? { accuracy_95: p.accuracy_95 } : {}) });
      const verdict = best ? verdictOf(brief(l), brief(best)) : 'small';
      return { large: brief(l), ...(best ? { small: brief(best) } : {}), verdict, large_wins: verdict === 'large' };
    });
  const compared = pairs.filter((p) => p.small);
  const answer = pairs.some((p) => p.large_wins) ? 'yes' : compared.every((p) => p.verdict === 'small') ? 'no' : 'no measurable difference';
  return { large_model: largeModel, small_model: smallModel, pairs, answer };
}

/** Every larger model against every smaller one (`models` ordered small to large). */
export function compareAllAtEqualBytes<T extends ModelPoint>(points: readonly T[], models: readonly string[]): EqualBytesComparison[] {
  return models.flatMap((large, j) => models.slice(0, j).map((small) => compareAtEqualBytes(points, large, small)));
}

/** One line per comparable pair of models: the answer and the pair that decides it. */
export function describeEqualBytes(comparisons: readonly EqualBytesComparison[]): string {
  const pct = (p: Brief) => `${(100 * p.accuracy).toFixed(1)}%${p.accuracy_95 ? ` (${p.accuracy_95.map((x) => (100 * x).toFixed(1)).join('-')})` : ''}`;
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const lines = comparisons.flatMap((c) => {
    const decisive = c.pairs.find((p) => p.large_wins) ?? c.pairs.find((p) => p.small && p.verdict !== 'small') ?? c.pairs.find((p) => p.small);
    if (!decisive?.small) return [];
    return [`At equal bytes, does compressed ${c.large_model} beat ${c.small_model}? ${c.answer}: ${decisive.large.id} ${pct(decisive.large)} at ${mb(decisive.large.bytes)} against ${decisive.small.id} ${pct(decisive.small)} at ${mb(decisive.small.bytes)}.`];
  });
  return lines.length > 0 ? lines.join('\n') : 'At equal bytes: no compressed model of a larger size is as small as a model of a smaller size, so none can be compared.';
}
