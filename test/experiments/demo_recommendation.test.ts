import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smallestTiedWith, type DemoPoint } from '../../src/experiments/demo.ts';

const point = (id: string, bytes: number, accuracy: number): DemoPoint => ({ id, bytes, accuracy, accuracy_95: [accuracy - 0.02, accuracy + 0.02] }) as DemoPoint;

describe("the demo's recommendation", () => {
  it('names the smallest file whose interval overlaps the best one, and of two files of that size the more accurate', () => {
    const best = point('L4-int8', 5e6, 0.95);
    const points = [best, point('L2-q4', 1e6, 0.912), point('L2-q4-p50', 1e6, 0.934), point('L2-q2', 0.6e6, 0.8)];
    assert.equal(smallestTiedWith(best, points)!.id, 'L2-q4-p50');
    assert.equal(smallestTiedWith(best, points.slice(0, 2))!.id, 'L2-q4', 'a lone small file within the interval');
    assert.equal(smallestTiedWith(best, [best, point('L2-q2', 0.6e6, 0.8)]), best, 'nothing smaller overlaps: the best itself');
  });
});
