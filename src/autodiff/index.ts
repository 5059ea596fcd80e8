export { gradients, type GradientOptions } from './backward.ts';
export { RULES, ruleKey } from './registry.ts';
export { NOT_DIFFERENTIABLE, type GradContext, type GradRule, type RuleEntry } from './rule.ts';
