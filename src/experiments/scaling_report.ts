/** The report's scaling-law chart: each size's fitted curve against wall-clock, its measured evaluations, the crossovers. */
import { describeScaling, formatDuration } from './plan_text.ts';
import { scalingChart, renderSvg } from './plots.ts';
import { lossAtBudget, type ScalingFindings, type ScalingRun } from './scaling_plan.ts';

/** Budgets the chart spans: from the first evaluation to past the last crossover (at most ten times the longest run beyond it). */
function chartRange(runs: readonly ScalingRun[], findings: ScalingFindings): [number, number] {
  const walls = runs.flatMap((r) => r.rows.map((x) => x.wall_s)).filter((w) => w > 0);
  const longest = Math.max(...walls);
  const crossings = findings.crossovers.flatMap((c) => (c.time_s !== null && c.time_s > 1 ? [c.time_s] : []));
  const end = Math.max(3 * longest, 1.5 * (findings.best?.budget_s ?? 0), ...crossings.map((t) => 2 * t));
  return [Math.min(...walls), Math.min(end, 1000 * longest)];
}

export async function scalingReportSection(runs: readonly ScalingRun[], findings: ScalingFindings): Promise<{ svg: string; lines: string[] }> {
  const [from, to] = chartRange(runs, findings);
  const law = { ...findings.fit, unique_tokens: findings.fit.unique_tokens ?? undefined };
  const budgets = Array.from({ length: 60 }, (_, i) => from * (to / from) ** (i / 59));
  const fitted = findings.sizes.flatMap((s) => budgets.map((wall_s) => ({ model: s.model, wall_s, ppl: Math.exp(lossAtBudget(law, s, wall_s)) })));
  const measured = runs.flatMap((r) => r.rows.map((x) => ({ model: r.model, wall_s: x.wall_s, ppl: Math.exp(x.val_loss) })));
  const crossovers = findings.crossovers.flatMap((c) => (c.time_s !== null && c.time_s > 1 && c.time_s <= to ? [{ wall_s: c.time_s, label: `${c.larger} overtakes ${c.smaller}: ${formatDuration(c.time_s)}` }] : []));
  const svg = await renderSvg(scalingChart({ title: 'Fitted scaling law at each budget (lines) over the measured evaluations (points)', fitted, measured, crossovers }));
  return { svg, lines: describeScaling(findings) };
}
