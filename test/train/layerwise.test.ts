import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateModelConfig } from '../../src/nn/config.ts';
import { distillationAt, imitationStage, type Teacher } from '../../src/train/distill_teacher.ts';

describe('layerwise imitation schedule', () => {
  it('gives each layer an equal part of the imitation share, bottom-up, then ends', () => {
    assert.deepEqual([0, 0.09, 0.1, 0.19, 0.2, 0.29, 0.3, 0.9].map((p) => imitationStage(p, 0.3, 3)), [1, 1, 2, 2, 3, 3, 0, 0]);
  });

  it('imitates with hidden states alone, then trains without the teacher; logit distillation keeps its losses throughout', () => {
    const model = validateModelConfig({ vocab_size: 50, max_len: 8, d_model: 32, n_layers: 2, n_heads: 2, d_ff: 64 }, 'test');
    const options = { teacher: model, alpha: 0.5, temperature: 2, hiddenWeight: 0, attentionWeight: 0 };
    const teacher = { options, params: [], record: {} as Teacher['record'], tokenizerJson: '', imitation: 0.5 } satisfies Teacher;
    assert.deepEqual(distillationAt(teacher, 0.3, 2), { ...options, alpha: 0, hiddenWeight: 1, attentionWeight: 0, imitate: 2 });
    assert.equal(distillationAt(teacher, 0.5, 2), undefined);
    assert.equal(distillationAt({ ...teacher, imitation: undefined }, 0.9, 2), options);
  });
});
