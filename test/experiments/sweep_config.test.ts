import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandSweep, parseSweepConfig } from '../../src/experiments/sweep_config.ts';

describe('sweep files', () => {
  it('take encoder-decoder grids on a translation task, each size with its own width-rule rate', () => {
    const sweep = parseSweepConfig({ models: ['E2-D2-H128', 'E3-D3-H256'], seeds: [0, 1], budget: '10m', base: { task: 'translate-en-es', data: { seq_len: 64 } } }, 'test');
    const runs = expandSweep(sweep);
    assert.deepEqual(runs.map((r) => r.id), ['E2-D2-H128-b32-s0', 'E2-D2-H128-b32-s1', 'E3-D3-H256-b32-s0', 'E3-D3-H256-b32-s1']);
    assert.ok(runs.every((r) => r.config.task === 'translate-en-es' && r.config.data.seq_len === 64));
  });

  it('refuses an encoder-decoder without a translation task and a name of neither form, with one line', () => {
    assert.throws(() => parseSweepConfig({ models: ['E2-D2-H128'] }, 'test'), /model E2-D2-H128 is an encoder-decoder: train it on a translation task/);
    assert.throws(() => parseSweepConfig({ models: ['D2-H128'] }, 'test'), /must be L\{layers\}-H\{width\}, e\.g\. L4-H256, or with a translation task E\{encoder layers\}/);
    assert.throws(() => parseSweepConfig({ models: ['L2-H128'], base: { task: 'translate-en-es' } }, 'test'), /needs a decoder/);
  });

  it('give each size the learning rate a grid chose, scaled with the batch like the width rule\'s', () => {
    const sweep = parseSweepConfig({ models: ['L2-H128', 'L4-H256'], budget: '100steps', batch_sizes: [32, 128], learning_rates: { 'L4-H256': 3e-4 } }, 'test');
    const lr = Object.fromEntries(expandSweep(sweep).filter((r) => r.seed === 0).map((r) => [r.id, r.config.optimizer.lr]));
    // L2-H128 keeps the width rule (1e-3 at width 128) at the base batch; four times the batch doubles it (sqrt scaling).
    assert.deepEqual(lr, { 'L2-H128-b32-s0': undefined, 'L2-H128-b128-s0': 2e-3, 'L4-H256-b32-s0': 3e-4, 'L4-H256-b128-s0': 6e-4 });
    assert.throws(() => parseSweepConfig({ models: ['L2-H128'], learning_rates: { 'L4-H256': 1e-3 } }, 'test'), /learning_rates names L4-H256, which is not in models/);
    assert.throws(() => parseSweepConfig({ models: ['L2-H128'], learning_rates: { 'L2-H128': -1 } }, 'test'), /learning_rates/);
  });

  it('gives each model its own budget where budgets names it', () => {
    const sweep = parseSweepConfig({ models: ['L2-H128', 'L4-H256'], budget: '100steps', budgets: { 'L4-H256': '2e6tokens' } }, 'test');
    const budgets = Object.fromEntries(expandSweep(sweep).map((r) => [r.id, r.config.budget]));
    assert.deepEqual(budgets, { 'L2-H128-b32-s0': '100steps', 'L4-H256-b32-s0': '2e6tokens' });
    assert.throws(() => parseSweepConfig({ models: ['L2-H128'], budgets: { 'L4-H256': '1m' } }, 'test'), /budgets names L4-H256, which is not in models/);
    assert.throws(() => parseSweepConfig({ models: ['L2-H128'], budgets: { 'L2-H128': 'soon' } }, 'test'), /budgets.L2-H128: .*use e.g. 90s/);
  });
});
