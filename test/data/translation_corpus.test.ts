import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { KJV_BOOKS } from '../../src/data/kjv_versification.ts';
import { swordRoot } from '../../src/data/sword.ts';
import {
  loadParallelCorpus,
  misalignedChapters,
  TEST_BOOKS,
  translationTaskModules,
  VAL_BOOKS,
  type AlignedVerse,
  type ParallelCorpus,
  type TranslationPair,
} from '../../src/data/translation_corpus.ts';
import { tmpDir } from '../helpers/cli.ts';

const missing = !['engKJV2006eb', 'spaRV1909eb'].every((id) => existsSync(path.join(swordRoot(), 'mods.d', `${id}.conf`)));
const skip = missing ? 'needs Debian sword-text-kjv and sword-text-sparv' : false;

const bookOf = (p: TranslationPair) => p.ref.slice(0, p.ref.lastIndexOf(' '));
const books = (pairs: TranslationPair[]) => new Set(pairs.map(bookOf));
const testament = (book: string) => KJV_BOOKS.find((b) => b.osis === book)!.testament;

describe('translation tasks', () => {
  it('maps task names to source and target modules, and refuses others in one line listing the known ones', () => {
    assert.deepEqual(translationTaskModules('translate-en-es'), { source: 'engKJV2006eb', target: 'spaRV1909eb' });
    assert.deepEqual(translationTaskModules('translate-es-en'), { source: 'spaRV1909eb', target: 'engKJV2006eb' });
    assert.throws(
      () => translationTaskModules('translate-en-fr'),
      (e: Error) => e.message === 'unknown translation task "translate-en-fr": available translation tasks are translate-en-es, translate-es-en',
    );
  });

  it('a missing library fails in one line naming the Debian packages', () => {
    assert.throws(
      () => loadParallelCorpus({ root: tmpDir('tltc-sword-') }),
      (e: Error) => /apt-get install sword-text-kjv sword-text-sparv/.test(e.message) && !/\n/.test(e.message),
    );
  });
});

describe('misaligned chapters', () => {
  /** A verse of chapter `c` whose sides carry the given Strong's numbers (text '' when none). */
  const verse = (c: number, v: number, src: number[], tgt: number[]): AlignedVerse => ({
    ref: `B ${c}:${v}`,
    chapter: `B ${c}`,
    book: 'B',
    source: src.length ? 'text' : '',
    target: tgt.length ? 'texto' : '',
    sourceStrongs: new Set(src.map((n) => `H${n}`)),
    targetStrongs: new Set(tgt.map((n) => `H${n}`)),
  });
  const words = (v: number) => [10 * v, 10 * v + 1, 10 * v + 2, 10 * v + 3];
  // Chapter 1 aligned, with a refrain (verses 3 and 5 say the same; the targets are tagged a little
  // differently); chapter 2 shifted by one; chapter 3 has a verse only the source has.
  const verses = [
    ...[1, 2, 3, 4, 5].map((v) => verse(1, v, v === 5 ? words(3) : words(v), v === 3 ? words(3).slice(0, 2) : v === 5 ? words(3) : words(v))),
    ...[1, 2, 3, 4, 5].map((v) => verse(2, v, words(10 + v), words(10 + v - 1))),
    ...[1, 2, 3].map((v) => verse(3, v, words(20 + v), v === 3 ? [] : words(20 + v))),
  ];
  const swapped = verses.map((v) => ({ ...v, source: v.target, target: v.source, sourceStrongs: v.targetStrongs, targetStrongs: v.sourceStrongs }));

  it('flags shifted chapters and one-sided verses, not refrains, the same in both directions', () => {
    assert.deepEqual([...misalignedChapters(verses)], ['B 2', 'B 3']);
    assert.deepEqual([...misalignedChapters(swapped)], ['B 2', 'B 3']);
  });
});

describe('KJV -> RV1909 parallel corpus', () => {
  const corpus: ParallelCorpus | undefined = missing ? undefined : loadParallelCorpus();
  const all = () => [...corpus!.train, ...corpus!.val, ...corpus!.test];

  it('pairs Gen 1:1 with its translation, markup stripped', { skip }, () => {
    assert.deepEqual(corpus!.train[0], {
      source: 'In the beginning God created the heaven and the earth.',
      target: 'En el principio crió Dios los cielos y la tierra.',
      ref: 'Gen 1:1',
    });
  });

  it('has 30,302 pairs: 26,673 train, 1,851 val, 1,778 test (of 31,102 verses)', { skip }, () => {
    const c = corpus!;
    assert.deepEqual([c.train.length, c.val.length, c.test.length], [26673, 1851, 1778]);
    assert.deepEqual(c.dropped, { empty: 0, misaligned: 629, duplicate: 171 });
    assert.equal(c.train.length + c.val.length + c.test.length + c.dropped.empty + c.dropped.misaligned + c.dropped.duplicate, 31102);
  });

  it('splits by book: val and test are the stated books, from both testaments, disjoint from train', { skip }, () => {
    const [tr, va, te] = [books(corpus!.train), books(corpus!.val), books(corpus!.test)];
    assert.deepEqual([...va], [...VAL_BOOKS]);
    assert.deepEqual([...te], [...TEST_BOOKS]);
    for (const b of [...va, ...te]) assert.ok(!tr.has(b), b);
    for (const b of va) assert.ok(!te.has(b), b);
    assert.equal(tr.size + va.size + te.size, 66);
    for (const split of [va, te]) assert.deepEqual(new Set([...split].map(testament)), new Set(['ot', 'nt']));
    assert.match(corpus!.split_rule, /^by book: val = Josh, Eccl, Amos, Mark, Gal; test = Ruth, Lam, Dan, John, Heb;/);
  });

  it('leaves no markup, pilcrow or empty side in any text, and no pair twice', { skip }, () => {
    for (const p of all()) {
      for (const text of [p.source, p.target]) assert.ok(text !== '' && !/[<>¶\uE000\uE001]/.test(text) && text === text.trim(), `${p.ref}: ${text}`);
    }
    assert.equal(new Set(all().map((p) => `${p.source}\n${p.target}`)).size, all().length);
  });

  it('leaves out chapters RV1909 divides differently, and keeps in-verse titles on both sides', { skip }, () => {
    for (const chapter of ['Num 13', 'Job 39', 'Hos 12', 'Jonah 2', '2Cor 13']) {
      assert.match(corpus!.split_rule, new RegExp(`\\b${chapter}\\b`));
      assert.ok(!all().some((p) => p.ref.startsWith(`${chapter}:`)), chapter);
    }
    const rom = all().find((p) => p.ref === 'Rom 16:27')!;
    assert.match(rom.source, /Amen\. Written to the Romans from Corinthus/);
    assert.match(rom.target, /Amén\. Fué escrita de Corinto á los Romanos/);
  });
});
