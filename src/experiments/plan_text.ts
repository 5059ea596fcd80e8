/** `tltc plan` for people: the plan's JSON object as a few lines (`--json` prints the object itself). */
import { describeEqualBytes, type EqualBytesComparison } from './pareto.ts';
import type { Interval, ScalingFindings } from './scaling_plan.ts';

/** Seconds as the largest unit that keeps the number readable: 45 s, 12.5 min, 3.2 h, 4.1 days. */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds.toPrecision(3)} s`;
  if (seconds < 7200) return `${(seconds / 60).toPrecision(3)} min`;
  if (seconds < 3 * 86400) return `${(seconds / 3600).toPrecision(3)} h`;
  return `${(seconds / 86400).toPrecision(3)} days`;
}

const bound = (x: number | null, format: (v: number) => string) => (x === null ? 'beyond the horizon' : format(x));
const range = (i: Interval, format: (v: number) => string) => `[${bound(i[0], format)}, ${bound(i[1], format)}]`;
const ppl = (x: number) => x.toFixed(1);

function fitLines(s: Partial<ScalingFindings> & { fit_reason?: string }): string[] {
  if (!s.fit) return s.fit_reason ? [`scaling law: not fitted (${s.fit_reason})`] : [];
  const f = s.fit;
  const h = f.held_out_error;
  return [
    `scaling law L(N, D) = E + A/N^alpha + B/D^beta over ${f.observations} evaluations (95% intervals: ${f.bootstrap_replicates} refits on ${f.bootstrap_over} resampled): E ${f.E.toPrecision(3)}, A ${f.A.toPrecision(3)}, alpha ${f.alpha.toFixed(3)} ${range(f.intervals.alpha, (v) => v.toFixed(3))}, B ${f.B.toPrecision(3)}, beta ${f.beta.toFixed(3)} ${range(f.intervals.beta, (v) => v.toFixed(3))}`,
    `at equal tokens the fit puts ${f.size_effect.larger}'s perplexity ${f.size_effect.ppl_lower_pct.toFixed(1)}% ${range(f.size_effect.interval, (v) => `${v.toFixed(1)}%`)} below ${f.size_effect.smaller}'s`,
    h ? `held-out check (${h.fit_on}): perplexity off by ${h.mean_abs_pct.toFixed(1)}% on average, ${h.max_abs_pct.toFixed(1)}% at most, over ${h.points} evaluations` : 'held-out check: not possible (the first halves of the runs hold fewer than two sizes)',
    `throughput: ${(s.sizes ?? []).map((z) => `${z.model} ${Math.round(z.tokens_per_s).toLocaleString('en-US')} tokens/s (${z.throughput_from})`).join(', ')}`,
  ];
}

function predictionLines(s: Partial<ScalingFindings>): string[] {
  const lines: string[] = [];
  if (s.best) {
    const b = s.best;
    lines.push(`best size for ${formatDuration(b.budget_s)}: ${b.size}, predicted validation perplexity ${ppl(b.predicted_ppl)} ${range(b.interval, ppl)} (the best in ${Math.round(100 * b.probability)}% of the bootstrap fits)`);
    for (const z of b.by_size) if (z.size !== b.size) lines.push(`  ${z.size}: ${ppl(z.predicted_ppl)} ${range(z.interval, ppl)}`);
  }
  if (s.next_size_up) lines.push(`a larger size would be recommended from ${formatDuration(s.next_size_up.budget_s)} ${range(s.next_size_up.interval, formatDuration)} of training: ${s.next_size_up.size}`);
  else if (s.next_size_up === null) lines.push('no larger size is predicted to become the best within the horizon');
  for (const c of s.crossovers ?? []) {
    const when = c.time_s === null ? 'never within the horizon' : `from ${formatDuration(c.time_s)}`;
    const spread = c.interval.every((x) => x === null) ? '' : ` ${range(c.interval, formatDuration)}`;
    lines.push(`${c.larger} overtakes ${c.smaller} ${when}${spread}${c.note ? ` (${c.note})` : ''}`);
  }
  return lines;
}

/** The scaling-law lines of a plan: the fit, its held-out error, throughputs, best size, crossovers. */
export const describeScaling = (s: Partial<ScalingFindings> & { fit_reason?: string }) => [...fitLines(s), ...predictionLines(s)];

/** The lines `tltc plan` prints without --json. */
export function describePlan(result: Record<string, unknown>): string {
  const scaling = result as Partial<ScalingFindings> & { fit_reason?: string };
  const lines = describeScaling(scaling);
  const measured = result.train_recommendation as { budget_s: number; model: string | null; reason?: string } | undefined;
  if (measured) lines.push(`measured at ${formatDuration(measured.budget_s)}: ${measured.model ?? measured.reason}`);
  if (result.equal_bytes) lines.push(...describeEqualBytes(result.equal_bytes as EqualBytesComparison[]).split('\n'));
  const inference = result.inference_recommendation as { id?: string; accuracy?: number; bytes?: number; reason?: string } | undefined;
  if (inference) lines.push(inference.id ? `to ship: ${inference.id} (accuracy ${(100 * inference.accuracy!).toFixed(1)}%, ${inference.bytes!.toLocaleString('en-US')} bytes)` : `to ship: none (${inference.reason})`);
  if (result.report) lines.push(`report: ${result.report}`);
  return lines.join('\n');
}
