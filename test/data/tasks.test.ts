import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCorpus, defaultCorpusExclusions, splitPositions } from '../../src/data/corpus.ts';
import { loadTask, passages } from '../../src/data/tasks.ts';

describe('genre task', () => {
  const task = loadTask('genre');

  it('has 15 genres, each in train, val and test', () => {
    assert.equal(task.labels.length, 15);
    for (const split of [task.train, task.val, task.test]) assert.equal(new Set(split.map((e) => e.label)).size, 15);
    assert.ok(task.train.length > 5 * task.test.length);
  });

  it('cannot leak: no source file has passages in two splits', () => {
    const sources = (split: typeof task.train) => new Set(split.map((e) => e.source));
    const [tr, va, te] = [sources(task.train), sources(task.val), sources(task.test)];
    for (const s of va) assert.ok(!tr.has(s) && !te.has(s), s);
    for (const s of te) assert.ok(!tr.has(s), s);
    assert.equal(tr.size + va.size + te.size, 500);
  });

  it('cuts passages of at most the word limit, keeping every word', () => {
    const text = 'One two three. Four five six seven! Eight nine? ' + 'w '.repeat(23);
    const parts = passages(text, 5);
    assert.ok(parts.every((p) => p.split(' ').length <= 5));
    assert.equal(parts.join(' ').split(/\s+/).length, text.trim().split(/\s+/).length);
  });

  it('spreads val and test over each class, at least one file each', () => {
    for (const n of [6, 9, 17, 80]) {
      const s = splitPositions(n);
      assert.ok(s.includes('val') && s.includes('test') && s.filter((x) => x === 'train').length >= n - 2 * Math.max(1, Math.round(n / 10)));
    }
  });

  it("the default pretraining corpus leaves out the genre task's validation and test files, and keeps its training files", () => {
    const ids = new Set(defaultCorpus().map((d) => d.id));
    const task = loadTask('genre');
    const heldOut = new Set([...task.val, ...task.test].map((e) => e.source));
    assert.ok(heldOut.size >= 30, `${heldOut.size} held-out files`);
    for (const s of heldOut) assert.ok(!ids.has(s), `${s} is in the pretraining corpus`);
    for (const s of new Set(task.train.map((e) => e.source))) assert.ok(ids.has(s), `${s} is missing from the pretraining corpus`);
    assert.equal(defaultCorpusExclusions().documents, heldOut.size);
  });

  it('refuses an unknown task with one line', () => {
    assert.throws(() => loadTask('nli'), /unknown task "nli": available tasks are genre, sentiment, spam/);
  });
});
