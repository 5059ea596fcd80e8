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
});
