/** What the BLEU and chrF tests share: a tolerance check, and sacreBLEU's README example. */
import assert from 'node:assert/strict';

export const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < tol, `${what}: got ${actual}, expected ${expected} (tolerance ${tol})`);

// The README example of mjpost/sacrebleu, also used by its test/test_bleu.py (`_hyps`, `_refs`).
export const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
export const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];
