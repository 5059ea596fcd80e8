import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlmBatcher, maskedPerSequence, validationBatches } from '../../src/data/mlm_batches.ts';
import { BOS, EOS, MASK } from '../../src/tokenizer/tokenizer.ts';

const stream = Uint16Array.from({ length: 20000 }, (_, i) => 5 + ((i * 7919) % 500));
const shape = { batch: 8, seq: 64, maskProb: 0.15 };

describe('MLM batches', () => {
  const batcher = new MlmBatcher(stream, shape, 1000, 42);

  it('masks exactly the same count per sequence, never <s> or </s>, with labels from the original', () => {
    const k = maskedPerSequence(64, 0.15);
    assert.equal(k, 9);
    const b = batcher.batch(3);
    assert.equal(b.maskedPositions.length, 8 * k);
    for (let s = 0; s < 8; s++) {
      assert.equal(b.inputIds[s * 64], BigInt(BOS));
      assert.equal(b.inputIds[s * 64 + 63], BigInt(EOS));
      for (let i = 0; i < k; i++) {
        const pos: number = Number(b.maskedPositions[s * k + i]);
        assert.ok(pos > s * 64 && pos < s * 64 + 63);
        assert.ok(b.labels[s * k + i] >= 5n);
      }
    }
  });

  it('replaces 80% with <mask>, 10% with random tokens, keeps 10%', () => {
    let masked = 0;
    let kept = 0;
    let total = 0;
    for (let step = 0; step < 60; step++) {
      const b = batcher.batch(step);
      b.maskedPositions.forEach((p, i) => {
        const now = b.inputIds[Number(p)];
        if (now === BigInt(MASK)) masked++;
        else if (now === b.labels[i]) kept++;
        total++;
      });
    }
    assert.ok(Math.abs(masked / total - 0.8) < 0.03, `mask share ${masked / total}`);
    assert.ok(Math.abs(kept / total - 0.1) < 0.03 + 0.002, `kept share ${kept / total}`);
  });

  it('is a pure function of (seed, step): a resumed run sees the same data', () => {
    const again = new MlmBatcher(stream, shape, 1000, 42);
    assert.deepEqual(again.batch(17), batcher.batch(17));
    assert.notDeepEqual(new MlmBatcher(stream, shape, 1000, 43).batch(17).inputIds, batcher.batch(17).inputIds);
  });

  it('builds a fixed validation set and refuses one too small for a batch', () => {
    assert.deepEqual(validationBatches(stream, shape, 1000, 32), validationBatches(stream, shape, 1000, 32));
    assert.throws(() => validationBatches(stream.subarray(0, 200), shape, 1000, 32), /^Error: the validation split has \d+ sequences, fewer than one batch/);
    assert.throws(() => validationBatches(stream, shape, 1000, shape.batch - 1), new RegExp(`^Error: eval.sequences is ${shape.batch - 1}, fewer than one batch of ${shape.batch}: raise eval.sequences or lower batch_size$`));
  });
});
