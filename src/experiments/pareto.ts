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
