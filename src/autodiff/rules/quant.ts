/** Quantized inference ops carry no gradient: training graphs stay in float. */
import { NOT_DIFFERENTIABLE, type RuleEntry } from '../rule.ts';

export const quantRules: Record<string, RuleEntry> = {
  DynamicQuantizeLinear: NOT_DIFFERENTIABLE,
  MatMulInteger: NOT_DIFFERENTIABLE,
  'com.microsoft:MatMulNBits': NOT_DIFFERENTIABLE,
};
