import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brownSplits } from '../../src/data/corpus.ts';
import { loadPosTask, normalizeBrownTag, parseBrownFile, universalTag, UNIVERSAL_TAGS, type PosSentence, type PosTask } from '../../src/data/pos.ts';

const all = (task: PosTask): PosSentence[] => [...task.train, ...task.val, ...task.test];
const wordCount = (sentences: PosSentence[]) => sentences.reduce((n, s) => n + s.words.length, 0);

describe('Brown part-of-speech task', () => {
  const task = loadPosTask('universal');

  it('has every sentence and word of the corpus (57,340 and 1,161,192, as NLTK counts them), about 80/10/10 by words', () => {
    assert.equal(all(task).length, 57340);
    const words = wordCount(all(task));
    assert.equal(words, 1161192);
    assert.ok(wordCount(task.train) > 0.75 * words);
    for (const split of [task.val, task.test]) {
      assert.ok(split.length > 4000, `${split.length} sentences`);
      assert.ok(wordCount(split) > 0.07 * words && wordCount(split) < 0.13 * words);
    }
    assert.ok(all(task).every((s) => s.words.length > 0 && s.words.length === s.tags.length));
  });

  it("splits by file exactly as the genre task does, so no file is in two splits", () => {
    const files = (split: PosSentence[]) => new Set(split.map((s) => s.file));
    const [train, val, test] = [files(task.train), files(task.val), files(task.test)];
    for (const f of val) assert.ok(!train.has(f) && !test.has(f), f);
    for (const f of test) assert.ok(!train.has(f), f);
    for (const where of ['train', 'val', 'test'] as const) {
      const expected = brownSplits().filter((f) => f.split === where).map((f) => f.file);
      assert.deepEqual([...files(task[where])].sort(), expected.sort(), where);
    }
  });

  it('tags the first sentence of ca01 with the universal tags', () => {
    const first = task.train[0];
    assert.equal(first.file, 'ca01');
    const expected: [string, string][] = [
      ['The', 'DET'], ['Fulton', 'NOUN'], ['County', 'NOUN'], ['Grand', 'ADJ'], ['Jury', 'NOUN'], ['said', 'VERB'], ['Friday', 'NOUN'],
      ['an', 'DET'], ['investigation', 'NOUN'], ['of', 'ADP'], ["Atlanta's", 'NOUN'], ['recent', 'ADJ'], ['primary', 'NOUN'],
      ['election', 'NOUN'], ['produced', 'VERB'], ['``', '.'], ['no', 'DET'], ['evidence', 'NOUN'], ["''", '.'], ['that', 'ADP'],
      ['any', 'DET'], ['irregularities', 'NOUN'], ['took', 'VERB'], ['place', 'NOUN'], ['.', '.'],
    ];
    assert.deepEqual(first.words.map((w, i) => [w, task.tags[first.tags[i]]]), expected);
  });

  it('uses exactly the twelve universal tags, all of them, NOUN the most frequent', () => {
    assert.deepEqual(task.tags, [...UNIVERSAL_TAGS]);
    const counts = new Array<number>(task.tags.length).fill(0);
    for (const s of all(task)) for (const t of s.tags) counts[t]++;
    assert.ok(counts.every((n) => n > 0), counts.join(' '));
    assert.equal(task.tags[counts.indexOf(Math.max(...counts))], 'NOUN');
  });

  it('normalizes position markers, foreign words, contractions and negation', () => {
    const cases: [string, string, string][] = [
      ['np-tl', 'np', 'NOUN'],
      ['nn-tl-hl', 'nn', 'NOUN'],
      ['---hl', '--', '.'],
      ['fw-nn-tl', 'fw', 'X'],
      ['fw-in+at-t', 'fw', 'X'],
      ['ppss+ber', 'ppss', 'PRON'],
      ['ppss+ber-n', 'ppss', 'PRON'],
      ['md+hv', 'md', 'VERB'],
      ['bez*', 'bez', 'VERB'],
      ['md*-hl', 'md', 'VERB'],
      ['*', '*', 'ADV'],
      ['*-hl', '*', 'ADV'],
      ['``', '``', '.'],
      ['pp$', 'pp$', 'DET'],
      ['pp$$', 'pp$$', 'PRON'],
      ['nn$-tl', 'nn$', 'NOUN'],
      ['NP-TL', 'np', 'NOUN'],
    ];
    for (const [raw, base, universal] of cases) {
      assert.equal(normalizeBrownTag(raw), base, raw);
      assert.equal(universalTag(raw), universal, raw);
    }
  });

  it('refuses a tag it cannot map, naming it on one line', () => {
    assert.throws(
      () => universalTag('zz-tl'),
      (e: Error) => /"zz-tl"/.test(e.message) && !e.message.includes('\n'),
    );
  });

  it('reads words with slashes in them, splitting at the last slash', () => {
    const [sentence] = parseBrownFile('\n\n\t1-1/2/cd //in and/or/cc Des/fw-in+at-t\n\n', 'test');
    assert.deepEqual(sentence, { words: ['1-1/2', '/', 'and/or', 'Des'], rawTags: ['cd', 'in', 'cc', 'fw-in+at-t'] });
  });

  it("the Brown tagset is the corpus's base tags, aligned word for word with the universal tags", () => {
    const brown = loadPosTask('brown');
    assert.ok(brown.tags.length >= 60 && brown.tags.length <= 100, `${brown.tags.length} tags`);
    assert.deepEqual(brown.tags, [...brown.tags].sort());
    for (const t of ['nn', 'np', 'at', 'fw', '*', 'bez', 'ppss', '``']) assert.ok(brown.tags.includes(t), t);
    for (const t of brown.tags) assert.ok(t === '*' || !/[+*]|-(tl|hl|nc)$/.test(t), t);
    const [b, u] = [all(brown), all(task)];
    assert.equal(b.length, u.length);
    b.forEach((s, i) => {
      assert.deepEqual(s.words, u[i].words);
      s.tags.forEach((t, j) => assert.equal(universalTag(brown.tags[t]), task.tags[u[i].tags[j]]));
    });
  });

  it('reads the corpus once per tagset', () => {
    assert.equal(loadPosTask('universal'), task);
    assert.equal(loadPosTask(), task);
  });
});
