/**
 * The demo's planner lines: a scaling law fitted on the demo's own pretraining runs, with what it
 * predicts for this machine beside the measured answer at the demo's budget: the best size, the
 * budget from which it would recommend the next size up, and when each larger size overtakes.
 */
import { parseBudget } from '../train/budget.ts';
import { formatDuration } from './plan_text.ts';
import { TooLittleDataError } from './scaling_law.ts';
import { measuredSizes, scalingFindings, type Interval, type ScalingFindings, type ScalingRun } from './scaling_plan.ts';
import { readScalingRuns } from './scaling_runs.ts';

export interface DemoPlanner {
  lines: string[];
  runs: ScalingRun[];
  findings?: ScalingFindings;
}

const within = (i: Interval) => `95% interval ${i.map((x) => (x === null ? 'beyond the horizon' : formatDuration(x))).join(' to ')}`;

export function demoPlanner(sweepDir: string, budget: string): DemoPlanner {
  const { runs, uniqueTokens } = readScalingRuns(sweepDir);
  const budgetS = parseBudget(budget).value;
  let findings: ScalingFindings;
  try {
    findings = scalingFindings(runs, measuredSizes(runs), { uniqueTokens, budgetS, replicates: 50 });
  } catch (err) {
    if (err instanceof TooLittleDataError) return { lines: [`Planner: no scaling-law fit (${err.message}).`], runs };
    throw err;
  }
  const held = findings.fit.held_out_error;
  const heldText = held ? `, held-out error ${held.mean_abs_pct.toFixed(1)}%` : '';
  const lines = [`Planner (a scaling law fitted on these ${runs.length} runs${heldText}): at ${budget} it predicts ${findings.best!.size} best.`];
  // One run per size: the bootstrap resamples evaluations, which cannot see seed-to-seed noise.
  if (findings.fit.bootstrap_over === 'evaluations') lines.push('With one run per size, its intervals cover the evaluations\' noise only, not the seeds\'; and it extrapolates far beyond the measured budget: treat its times as orders of magnitude.');
  const next = findings.next_size_up;
  lines.push(next ? `It would recommend the next size up, ${next.size}, from ${formatDuration(next.budget_s)} of training on this machine (${within(next.interval)}).` : 'It predicts no larger size becomes the best within the horizon on this machine.');
  for (const c of findings.crossovers) {
    if (c.time_s !== null) lines.push(`Predicted crossover: ${c.larger} overtakes ${c.smaller} from ${formatDuration(c.time_s)} (${within(c.interval)}).`);
  }
  return { lines, runs, findings };
}
