/** Pareto fronts of compressed models (accuracy against bytes or latency) and the recommendation under limits. */

export interface ModelPoint {
  id: string;
  model: string;
  method: string;
  accuracy: number;
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

export interface EqualBytesPair {
  large: { id: string; bytes: number; accuracy: number };
  /** The most accurate point of the small model whose file is no larger. */
  small?: { id: string; bytes: number; accuracy: number };
  large_wins: boolean;
}

export interface EqualBytesComparison {
  large_model: string;
  small_model: string;
  pairs: EqualBytesPair[];
  /** Does some compressed point of the large model beat every point of the small model at no more bytes? */
  answer: 'yes' | 'no';
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
      const brief = (p: T) => ({ id: p.id, bytes: p.bytes, accuracy: p.accuracy });
      return { large: brief(l), ...(best ? { small: brief(best) } : {}), large_wins: best !== undefined && l.accuracy > best.accuracy };
    });
  return { large_model: largeModel, small_model: smallModel, pairs, answer: pairs.some((p) => p.large_wins) ? 'yes' : 'no' };
}

/** Every larger model against every smaller one (`models` ordered small to large). */
export function compareAllAtEqualBytes<T extends ModelPoint>(points: readonly T[], models: readonly string[]): EqualBytesComparison[] {
  return models.flatMap((large, j) => models.slice(0, j).map((small) => compareAtEqualBytes(points, large, small)));
}

/** One line per comparable pair of models: the answer and the pair that decides it. */
export function describeEqualBytes(comparisons: readonly EqualBytesComparison[]): string {
  const pct = (a: number) => `${(100 * a).toFixed(1)}%`;
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  const lines = comparisons.flatMap((c) => {
    const decisive = c.pairs.find((p) => p.large_wins) ?? c.pairs.find((p) => p.small);
    if (!decisive?.small) return [];
    return [`At equal bytes, does compressed ${c.large_model} beat ${c.small_model}? ${c.answer}: ${decisive.large.id} ${pct(decisive.large.accuracy)} at ${mb(decisive.large.bytes)} against ${decisive.small.id} ${pct(decisive.small.accuracy)} at ${mb(decisive.small.bytes)}.`];
  });
  return lines.length > 0 ? lines.join('\n') : 'At equal bytes: no compressed model of a larger size is as small as a model of a smaller size, so none can be compared.';
}
