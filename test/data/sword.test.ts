import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { KJV_BOOKS } from '../../src/data/kjv_versification.ts';
import { osisToText, parseConf, readTestamentSlots, readZText, swordRoot, testamentSlots } from '../../src/data/sword.ts';
import { tmpDir } from '../helpers/cli.ts';

const MODULES = ['engKJV2006eb', 'spaRV1909eb'];
const missing = !MODULES.every((id) => existsSync(path.join(swordRoot(), 'mods.d', `${id}.conf`)));
const skip = missing ? 'needs Debian sword-text-kjv and sword-text-sparv' : false;

/** Asserts `fn` throws a one-line error matching every pattern. */
function throwsWith(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    for (const p of patterns) assert.match(e.message, p);
    assert.ok(!/[\r\n]/.test(e.message), `message spans lines: ${JSON.stringify(e.message)}`);
    return true;
  });
}

const CONF = ['[fakeKJV]', 'DataPath=./modules/texts/ztext/fakekjv/', 'ModDrv=zText', 'CompressType=ZIP', 'Encoding=UTF-8', 'BlockType=BOOK', 'Versification=KJV'];

interface FakeModule {
  conf?: string[];
  /** The .bzz contents and its .bzs entries [offset, compressed size, inflated size]. */
  bzz: Buffer;
  blocks: [number, number, number][];
  /** Gen 1:1 (Old Testament slot 4) points here: [block, offset, size]. */
  gen1: [number, number, number];
}

/** Writes a one-verse zText library (Gen 1:1 only, every other slot empty) and returns its root. */
function fakeLibrary(m: FakeModule): string {
  const root = tmpDir('tltc-sword-');
  const data = path.join(root, 'modules/texts/ztext/fakekjv');
  mkdirSync(path.join(root, 'mods.d'));
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(root, 'mods.d/fakekjv.conf'), (m.conf ?? CONF).join('\n') + '\n');
  for (const testament of ['ot', 'nt'] as const) {
    const bzs = Buffer.alloc(12 * m.blocks.length);
    m.blocks.forEach((b, i) => b.forEach((x, j) => bzs.writeUInt32LE(x, i * 12 + j * 4)));
    const bzv = Buffer.alloc(10 * testamentSlots(testament).length);
    if (testament === 'ot') {
      bzv.writeUInt32LE(m.gen1[0], 40);
      bzv.writeUInt32LE(m.gen1[1], 44);
      bzv.writeUInt16LE(m.gen1[2], 48);
    }
    writeFileSync(path.join(data, `${testament}.bzs`), bzs);
    writeFileSync(path.join(data, `${testament}.bzv`), bzv);
    writeFileSync(path.join(data, `${testament}.bzz`), m.bzz);
  }
  return root;
}

const GEN1 = Buffer.from('<w lemma="strong:H7225">In the beginning</w> God created.<note type="x">a note</note>');
const good = (): FakeModule => {
  const bzz = deflateSync(GEN1);
  return { bzz, blocks: [[0, bzz.length, GEN1.length]], gen1: [0, 0, GEN1.length] };
};

describe('KJV versification', () => {
  it('has 66 books, 1,189 chapters and 31,102 verses, and one index slot per heading and verse', () => {
    assert.equal(KJV_BOOKS.length, 66);
    assert.equal(KJV_BOOKS.filter((b) => b.testament === 'ot').length, 39);
    assert.equal(KJV_BOOKS.reduce((n, b) => n + b.verses.length, 0), 1189);
    assert.equal(KJV_BOOKS.reduce((n, b) => n + b.verses.reduce((a, v) => a + v, 0), 0), 31102);
    // Module and testament headings, then a heading per book and chapter: the Debian .bzv sizes / 10.
    assert.equal(testamentSlots('ot').length, 24115);
    assert.equal(testamentSlots('nt').length, 8246);
  });
});

describe('SWORD zText modules (Debian)', () => {
  it('maps index slots to the expected verses in both modules', { skip }, () => {
    const expected: Record<string, Record<string, RegExp>> = {
      engKJV2006eb: { 'Gen 1:1': /^In the beginning God/, 'Mal 4:6': /^And he shall turn the heart/, 'Matt 1:1': /^The book of the generation/, 'Rev 22:21': /^The grace of our Lord Jesus Christ be with you all\. Amen\.$/ },
      spaRV1909eb: { 'Gen 1:1': /^EN el principio crió Dios/, 'Mal 4:6': /^El convertirá el corazón/, 'Matt 1:1': /^LIBRO de la generación/, 'Rev 22:21': /^La gracia de nuestro Señor Jesucristo sea con todos vosotros\. Amén\.$/ },
    };
    for (const id of MODULES) {
      const mod = readZText(id);
      assert.equal(mod.verses.size, 31102);
      for (const [ref, pattern] of Object.entries(expected[id])) assert.match(osisToText(mod.verses.get(ref)!.markup), pattern, `${id} ${ref}`);
    }
  });

  it('every book and chapter heading slot names the book and chapter the versification puts there', { skip }, () => {
    for (const id of MODULES) {
      for (const testament of ['ot', 'nt'] as const) {
        const stored = readTestamentSlots(path.join(swordRoot(), `modules/texts/ztext/${id}`), testament, id);
        testamentSlots(testament).forEach((slot, i) => {
          if (slot.kind === 'book') assert.match(stored[i], new RegExp(`osisID="${slot.book}"`), `${id} slot ${i}`);
          if (slot.kind === 'chapter') assert.match(stored[i], new RegExp(`osisID="${slot.book}\\.${slot.chapter}"`), `${id} slot ${i}`);
        });
      }
    }
  });
});

describe('OSIS to plain text', () => {
  it('keeps words of Strong\'s tags, red letters and added words; drops notes, pilcrows and tags', () => {
    const markup =
      '<div type="x-milestone" subType="x-preverse" sID="pv9"/>¶ <w lemma="strong:H0430">God</w> <transChange type="added">is</transChange> <q who="Jesus"><divineName>LORD</divineName></q>.<note placement="foot"><reference type="annotateRef">1.4 </reference>Heb. between</note>  ';
    assert.equal(osisToText(markup), 'God is LORD.');
  });

  it('drops editorial titles, keeps canonical ones (Psalm superscriptions), keeps all with titles: all', () => {
    const markup = '<title canonical="true" type="psalm">A Psalm of David.</title> <title><foreign>ב BETH.</foreign></title> Text. <title>Written from Rome.</title>';
    assert.equal(osisToText(markup), 'A Psalm of David. Text.');
    assert.equal(osisToText(markup, { titles: 'all' }), 'A Psalm of David. ב BETH. Text. Written from Rome.');
  });

  it('decodes XML entities and collapses whitespace', () => {
    assert.equal(osisToText('  A &amp; B &lt;c&gt; &quot;d&quot; &#233;&#xE9;\n\t e  '), 'A & B <c> "d" éé e');
  });

  it('separates added words that touch their neighbours, but not an added enclitic pronoun', () => {
    const tc = (s: string) => `<transChange type="added">${s}</transChange>`;
    assert.equal(osisToText(`hay allí${tc('también')}bdelio`), 'hay allí también bdelio');
    assert.equal(osisToText(`<w>sáca</w>${tc('lo')}<w>de</w> este lugar`), 'sácalo de este lugar');
    assert.equal(osisToText(`the ${tc('it was')} good`), 'the it was good');
  });
});

describe('SWORD conf', () => {
  it('reads the first section, skips comments, joins continued lines, keeps the first of repeated keys', () => {
    const { section, values } = parseConf('# c\n[Mod]\nA=1\nA=2\nAbout=one \\\ntwo\n[Other]\nB=3\n');
    assert.equal(section, 'Mod');
    assert.deepEqual(values, { A: '1', About: 'one  two' });
  });
});

describe('SWORD errors', () => {
  it('a fake one-verse module reads back (the fixtures below break only one thing each)', () => {
    const mod = readZText('fakeKJV', fakeLibrary(good()));
    assert.equal(osisToText(mod.verses.get('Gen 1:1')!.markup), 'In the beginning God created.');
    assert.equal(mod.verses.get('Gen 1:2')!.markup, '');
  });

  it('a missing library or module names the Debian packages, also through SWORD_PATH', () => {
    const empty = tmpDir('tltc-sword-');
    throwsWith(() => readZText('engKJV2006eb', empty), /no SWORD library/, /apt-get install sword-text-kjv sword-text-sparv/, /SWORD_PATH/);
    const saved = process.env.SWORD_PATH;
    process.env.SWORD_PATH = empty;
    try {
      throwsWith(() => readZText('spaRV1909eb'), new RegExp(empty), /apt-get install sword-text-kjv sword-text-sparv/);
    } finally {
      if (saved === undefined) delete process.env.SWORD_PATH;
      else process.env.SWORD_PATH = saved;
    }
    mkdirSync(path.join(empty, 'mods.d'));
    throwsWith(() => readZText('engKJV2006eb', empty), /module engKJV2006eb is not installed/, /mods\.d\/engkjv2006eb\.conf/, /apt-get install sword-text-kjv sword-text-sparv/);
  });

  it('refuses a module that is not zText, not zlib, or not in KJV versification', () => {
    const withLine = (key: string, value: string) => fakeLibrary({ ...good(), conf: [...CONF.filter((l) => !l.startsWith(`${key}=`)), `${key}=${value}`] });
    throwsWith(() => readZText('fakeKJV', withLine('ModDrv', 'RawText')), /ModDrv=RawText; only ModDrv=zText/);
    throwsWith(() => readZText('fakeKJV', withLine('CompressType', 'LZSS')), /CompressType=LZSS; only CompressType=ZIP/);
    throwsWith(() => readZText('fakeKJV', withLine('Versification', 'NRSV')), /Versification=NRSV; only Versification=KJV/);
  });

  it('a block zlib cannot inflate names the .bzz file and the block', () => {
    const bad = Buffer.from('this is not a zlib stream');
    const root = fakeLibrary({ ...good(), bzz: bad, blocks: [[0, bad.length, GEN1.length]] });
    throwsWith(() => readZText('fakeKJV', root), /ot\.bzz: block 0 is corrupt \(zlib: /, /reinstall/);
  });

  it('a block past the end of the .bzz names the file and the block', () => {
    const m = good();
    m.blocks.push([m.bzz.length - 4, 100, 10]);
    m.gen1[0] = 1;
    throwsWith(() => readZText('fakeKJV', fakeLibrary(m)), /ot\.bzz: block 1 is corrupt \(bytes \d+\.\.\d+ lie past the end of the file/);
  });

  it('a verse past the end of its block, or in a block that does not exist, names the .bzv and the block', () => {
    const past = good();
    past.gen1 = [0, 10, GEN1.length];
    throwsWith(() => readZText('fakeKJV', fakeLibrary(past)), /ot\.bzv: slot 4 \(Gen 1:1\) points past the end of block 0/);
    const absent = good();
    absent.gen1 = [7, 0, 5];
    throwsWith(() => readZText('fakeKJV', fakeLibrary(absent)), /ot\.bzv: slot 4 \(Gen 1:1\) points at block 7, but .*ot\.bzs lists 1 blocks/);
  });
});
