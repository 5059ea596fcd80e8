/** The early-exit criterion flags of tltc predict and tltc eval: --exit-entropy and --exit-patience. */
import type { Command } from 'commander';
import type { ExitCriterion } from '../export/early_exit_runner.ts';

export interface ExitFlags {
  exitEntropy?: string;
  exitPatience?: string;
}

/** Comma-separated numbers, each checked by `valid`; the flag is named when one is not. */
function numberList(flag: string, value: string, valid: (n: number) => boolean, what: string): number[] {
  const parts = value.split(',').map((v) => v.trim());
  const bad = parts.find((p) => p === '' || !valid(Number(p)));
  if (bad !== undefined) throw new Error(`${flag} takes ${what}, got "${bad}" in "${value}"`);
  return parts.map(Number);
}

export function withExitFlags(command: Command, many: boolean): Command {
  const list = many ? ' (a comma-separated list gives one point of the curve each)' : '';
  return command
    .option('--exit-entropy <t>', `early exit (a model fine-tuned with --early-exit): a sequence leaves at the first layer whose prediction's entropy in nats is under t, in [0, ln(classes)]${list}`)
    .option('--exit-patience <p>', `early exit: a sequence leaves once its predicted class has held for p more layers (PABEE)${list}`);
}

/** The criteria the flags name (none without either flag); `many` allows lists. */
export function exitCriteria(flags: ExitFlags, many: boolean): ExitCriterion[] {
  if (flags.exitEntropy !== undefined && flags.exitPatience !== undefined) throw new Error('pass --exit-entropy or --exit-patience, not both');
  const criteria: ExitCriterion[] = [];
  if (flags.exitEntropy !== undefined) {
    for (const threshold of numberList('--exit-entropy', flags.exitEntropy, (n) => Number.isFinite(n) && n >= 0, 'numbers >= 0')) criteria.push({ kind: 'entropy', threshold });
  }
  if (flags.exitPatience !== undefined) {
    for (const patience of numberList('--exit-patience', flags.exitPatience, (n) => Number.isInteger(n) && n >= 1, 'whole numbers >= 1')) criteria.push({ kind: 'patience', patience });
  }
  if (!many && criteria.length > 1) throw new Error('tltc predict takes one exit criterion: give --exit-entropy or --exit-patience a single value (tltc eval takes lists)');
  return criteria;
}
