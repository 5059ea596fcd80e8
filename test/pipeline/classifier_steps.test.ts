import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifierBudget, classifierOptimizer, collapseWarning } from '../../src/pipeline/classifier_steps.ts';

describe('classifier training steps', () => {
  it('a budget in epochs is the steps of that many passes over the training split', () => {
    assert.deepEqual(classifierBudget('3epochs', 1000, 32), { kind: 'steps', value: 94 });
    assert.deepEqual(classifierBudget('0.5 epoch', 100, 16), { kind: 'steps', value: 4 });
    assert.deepEqual(classifierBudget('90s', 1000, 32), { kind: 'seconds', value: 90 });
    assert.throws(() => classifierBudget('0epochs', 1000, 32), /must be positive/);
    assert.throws(() => classifierBudget('soon', 1000, 32), /is not understood/);
  });

  it('fine-tuning warms up over 6% of its budget to a peak of 1e-4 by default', () => {
    const o = classifierOptimizer();
    assert.equal(o.lr, 1e-4);
    assert.equal(o.warmup_fraction, 0.06);
  });

  it('warns when a classifier predicts too few classes to have learned the task', () => {
    assert.match(collapseWarning('the model', { predicted_classes: 1 }, 15) ?? '', /predicts 1 of 15 classes/);
    assert.match(collapseWarning('the model', { predicted_classes: 2 }, 15) ?? '', /predicts 2 of 15/);
    assert.equal(collapseWarning('the model', { predicted_classes: 3 }, 15), null);
    assert.equal(collapseWarning('the model', { predicted_classes: 2 }, 2), null);
    assert.match(collapseWarning('the model', { predicted_classes: 1 }, 2) ?? '', /1 of 2/);
  });
});
