import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Example } from '../../src/data/tasks.ts';
import { accuracyInterval, meanInterval } from '../../src/train/bootstrap.ts';
import { baselines } from '../../src/train/bow_baseline.ts';
import { scorePredictions } from '../../src/train/classifier_scores.ts';
import { Random } from '../../src/util/random.ts';

/** Three topics, each with its own words mixed into shared filler, labelled by topic. */
function topics(count: number, seed: number): Example[] {
  const words = [
    ['harbor', 'whale', 'ship', 'sail', 'captain'],
    ['senate', 'vote', 'law', 'congress', 'budget'],
    ['violin', 'concert', 'melody', 'choir', 'opera'],
  ];
  const filler = ['the', 'a', 'of', 'and', 'to', 'in', 'was', 'it'];
  const rng = new Random(seed);
  return Array.from({ length: count }, (_, i) => {
    const label = i % 3 === 0 ? 0 : rng.int(3); // class 0 is the most frequent
    const text = Array.from({ length: 12 }, (_, k) => (k % 4 === 0 ? words[label][rng.int(5)] : filler[rng.int(filler.length)])).join(' ');
    return { text, label, source: `doc${i}` };
  });
}

describe('baselines and intervals', () => {
  it('the bootstrap interval is a point for a constant outcome and about +-1.96 standard errors otherwise', () => {
    assert.deepEqual(accuracyInterval(new Uint8Array(50).fill(1)), [1, 1]);
    const half = Uint8Array.from({ length: 400 }, (_, i) => i % 2);
    const [lo, hi] = accuracyInterval(half);
    const se = Math.sqrt(0.25 / 400);
    assert.ok(Math.abs(lo - (0.5 - 1.96 * se)) < 0.015 && Math.abs(hi - (0.5 + 1.96 * se)) < 0.015, `${lo}-${hi}`);
  });

  it('the interval of a mean of real values covers the mean at about +-1.96 standard errors, and shifts with the values', () => {
    const rng = new Random(3);
    const values = Array.from({ length: 1000 }, () => 0.6 + 0.2 * (rng.next() - 0.5));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const se = 0.2 / Math.sqrt(12) / Math.sqrt(values.length);
    const [lo, hi] = meanInterval(values);
    assert.ok(lo < mean && mean < hi, `${lo}-${hi} around ${mean}`);
    assert.ok(Math.abs(hi - lo - 2 * 1.96 * se) < 0.3 * 2 * 1.96 * se, `width ${hi - lo}, expected about ${2 * 1.96 * se}`);
    const [lo2, hi2] = meanInterval(values.map((v) => v + 1));
    assert.ok(Math.abs(lo2 - lo - 1) < 1e-9 && Math.abs(hi2 - hi - 1) < 1e-9);
  });

  it('scores count the classes predicted', () => {
    const s = scorePredictions(Int32Array.from([0, 0, 2, 2]), [0, 1, 2, 2], 3);
    assert.equal(s.accuracy, 0.75);
    assert.equal(s.predicted_classes, 2);
  });

  it('the majority class predicts one class; the bag of words learns words that name the class', () => {
    const b = baselines(topics(300, 1), { test: topics(150, 2) }, 3).test;
    assert.equal(b.majority.predicted_classes, 1);
    assert.ok(b.majority.accuracy > 0.4 && b.majority.accuracy < 0.7, `majority ${b.majority.accuracy}`);
    assert.ok(b.bag_of_words.accuracy > 0.97, `bag of words ${b.bag_of_words.accuracy}`);
    assert.equal(b.bag_of_words.predicted_classes, 3);
  });
});
