/** Training budgets: wall-clock (`90s`, `10m`, `1.5h`), steps (`2000steps`) or tokens (`5e6tokens`). */
export type Budget = { kind: 'seconds'; value: number } | { kind: 'steps'; value: number } | { kind: 'tokens'; value: number };

export function parseBudget(text: string): Budget {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(s|m|h|steps?|tokens?)\s*$/i.exec(text);
  const hint = 'use e.g. 90s, 10m, 1h, 2000steps or 5e6tokens';
  if (!m) throw new Error(`budget "${text}" is not understood: ${hint}`);
  const n = Number(m[1]);
  const unit = m[2].toLowerCase();
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`budget "${text}" must be positive: ${hint}`);
  if (unit === 's' || unit === 'm' || unit === 'h') return { kind: 'seconds', value: n * { s: 1, m: 60, h: 3600 }[unit] };
  if (unit.startsWith('step')) {
    if (!Number.isInteger(n)) throw new Error(`budget "${text}": steps must be a whole number`);
    return { kind: 'steps', value: n };
  }
  return { kind: 'tokens', value: n };
}

export function formatBudget(b: Budget): string {
  return b.kind === 'seconds' ? `${b.value}s` : `${b.value}${b.kind}`;
}

export interface BudgetProgress {
  step: number;
  tokens: number;
  trainSeconds: number;
}

/** Fraction of the budget used, for the learning-rate schedule and the ETA. */
export function budgetFraction(b: Budget, p: BudgetProgress): number {
  const used = b.kind === 'seconds' ? p.trainSeconds : b.kind === 'steps' ? p.step : p.tokens;
  return Math.min(1, used / b.value);
}
