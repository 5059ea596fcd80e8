/** One registry fed by one explicit list per op family. */
import type { Node } from '../graph/graph.ts';
import type { RuleEntry } from './rule.ts';
import { elementwiseRules } from './rules/elementwise.ts';
import { lossRules } from './rules/loss.ts';
import { matmulRules } from './rules/matmul.ts';
import { nnRules } from './rules/nn.ts';
import { quantRules } from './rules/quant.ts';
import { reduceRules } from './rules/reduce.ts';
import { shapeRules } from './rules/shape.ts';

const families = { elementwiseRules, reduceRules, shapeRules, matmulRules, nnRules, lossRules, quantRules };

function buildRegistry(): Map<string, RuleEntry> {
  const registry = new Map<string, RuleEntry>();
  for (const [family, rules] of Object.entries(families)) {
    for (const [key, rule] of Object.entries(rules)) {
      if (registry.has(key)) throw new Error(`gradient rule for ${key} is registered twice (again in ${family})`);
      registry.set(key, rule);
    }
  }
  return registry;
}

export const RULES: ReadonlyMap<string, RuleEntry> = buildRegistry();

/** Registry key: the op name, prefixed by its domain outside the default one. */
export function ruleKey(node: Pick<Node, 'op' | 'domain'>): string {
  return node.domain ? `${node.domain}:${node.op}` : node.op;
}
