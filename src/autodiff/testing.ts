/** Lets tests swap a rule (e.g. for a deliberately wrong one) and put the original back. */
import { RULES } from './registry.ts';
import type { RuleEntry } from './rule.ts';

export function withRule<T>(key: string, rule: RuleEntry, run: () => Promise<T>): Promise<T> {
  const rules = RULES as Map<string, RuleEntry>;
  const original = rules.get(key);
  rules.set(key, rule);
  return run().finally(() => {
    if (original === undefined) rules.delete(key);
    else rules.set(key, original);
  });
}
