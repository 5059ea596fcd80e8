/**
 * Reads SWORD zText Bible modules, as Debian's sword-text-* packages install them, without
 * libsword: the translation corpus needs only the verse text, and reading the three index files
 * directly keeps it dependency-free and offline.
 *
 * A module is a conf in <root>/mods.d and, per testament, three files in its DataPath:
 * `.bzs` lists the zlib blocks in `.bzz`, `.bzv` has one entry per index slot (headings and
 * verses, in KJV versification order) saying which block, where in it, and how long.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { KJV_BOOKS, type Testament } from './kjv_versification.ts';

export const DEFAULT_SWORD_ROOT = '/usr/share/sword';

/** The Debian packages of the modules tltc reads, so an error can say what to install. */
const DEBIAN_PACKAGES: Record<string, string> = { engKJV2006eb: 'sword-text-kjv', spaRV1909eb: 'sword-text-sparv' };
const INSTALL = 'apt-get install sword-text-kjv sword-text-sparv';

export interface Verse {
  /** OSIS book id (Gen, Matt). */
  book: string;
  chapter: number;
  verse: number;
  /** "Gen 1:1" */
  ref: string;
  /** The slot's OSIS markup as stored; '' for an empty slot. */
  markup: string;
}

export interface ZTextModule {
  id: string;
  /** The conf's key=value lines (first value of a repeated key). */
  config: Record<string, string>;
  /** Every verse of the versification in canonical order, keyed by ref. */
  verses: Map<string, Verse>;
}

/** What an index slot holds: a module, testament, book or chapter heading, or a verse. */
export type Slot =
  | { kind: 'module' | 'testament' }
  | { kind: 'book'; book: string }
  | { kind: 'chapter'; book: string; chapter: number }
  | { kind: 'verse'; book: string; chapter: number; verse: number };

export const verseRef = (book: string, chapter: number, verse: number): string => `${book} ${chapter}:${verse}`;

/** The library root: the argument, else $SWORD_PATH (SWORD's own override), else /usr/share/sword. */
export function swordRoot(root?: string): string {
  return root ?? process.env.SWORD_PATH ?? DEFAULT_SWORD_ROOT;
}

function reinstall(id: string): string {
  const pkg = DEBIAN_PACKAGES[id];
  return pkg ? `reinstall it (apt-get install --reinstall ${pkg})` : 'reinstall the module';
}

/** Parses a SWORD conf: `[id]`, then key=value lines; a trailing backslash continues a value. */
export function parseConf(text: string): { section: string; values: Record<string, string> } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  let section = '';
  const values: Record<string, string> = {};
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      if (section) break; // one module per conf; anything after is not ours
      section = head[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && section) values[line.slice(0, eq).trim()] ??= line.slice(eq + 1).trim();
  }
  return { section, values };
}

/** The module's conf, checked to be one this reader understands: zText, zlib, UTF-8, KJV. */
export function readModuleConfig(id: string, root = swordRoot()): Record<string, string> {
  const modsDir = path.join(root, 'mods.d');
  if (!existsSync(modsDir)) throw new Error(`no SWORD library at ${root} (no mods.d folder): install the modules with ${INSTALL}, or set SWORD_PATH to a SWORD library`);
  const file = [`${id}.conf`, `${id.toLowerCase()}.conf`].map((f) => path.join(modsDir, f)).find((f) => existsSync(f));
  if (!file) throw new Error(`SWORD module ${id} is not installed in ${root} (no mods.d/${id.toLowerCase()}.conf): install it with ${INSTALL}, or set SWORD_PATH to the library that has it`);
  const { section, values } = parseConf(readFileSync(file, 'utf8'));
  if (section.toLowerCase() !== id.toLowerCase()) throw new Error(`${file} describes module [${section}], not ${id}: ${reinstall(id)}`);
  const need = (key: string, wanted: string, fallback: string | undefined, why: string) => {
    const value = values[key] ?? fallback;
    if (value?.toLowerCase() !== wanted.toLowerCase()) throw new Error(`SWORD module ${id} has ${key}=${value ?? '(unset)'}; only ${key}=${wanted} is supported (${why})`);
  };
  need('ModDrv', 'zText', undefined, 'other drivers store text differently');
  need('CompressType', 'ZIP', 'LZSS', 'blocks are read with zlib');
  need('Encoding', 'UTF-8', 'Latin-1', 'text is decoded as UTF-8');
  // A missing Versification means KJV in SWORD; any other system numbers the slots differently.
  need('Versification', 'KJV', 'KJV', 'the index is mapped to verses with the KJV verse counts');
  const blockType = values.BlockType ?? 'CHAPTER';
  if (!['BOOK', 'CHAPTER', 'VERSE'].includes(blockType.toUpperCase())) throw new Error(`SWORD module ${id} has BlockType=${blockType}; expected BOOK, CHAPTER or VERSE`);
  if (!values.DataPath) throw new Error(`${file} has no DataPath: ${reinstall(id)}`);
  return values;
}

/** What each index slot of a testament holds: two leading headings, then each book and chapter. */
export function testamentSlots(testament: Testament): Slot[] {
  const slots: Slot[] = [{ kind: 'module' }, { kind: 'testament' }];
  for (const { osis: book, verses } of KJV_BOOKS.filter((b) => b.testament === testament)) {
    slots.push({ kind: 'book', book });
    verses.forEach((count, c) => {
      slots.push({ kind: 'chapter', book, chapter: c + 1 });
      for (let v = 1; v <= count; v++) slots.push({ kind: 'verse', book, chapter: c + 1, verse: v });
    });
  }
  return slots;
}

const slotName = (s: Slot): string => (s.kind === 'verse' ? verseRef(s.book, s.chapter, s.verse) : s.kind === 'chapter' ? `${s.book} ${s.chapter} heading` : `${s.kind} heading`);

function readEntries(file: string, width: number, id: string): Buffer {
  const bytes = readFileSync(file);
  if (bytes.length % width !== 0) throw new Error(`${file} is truncated (${bytes.length} bytes, not a multiple of ${width}): ${reinstall(id)}`);
  return bytes;
}

/** Block `n` of a .bzz, inflated; a bad offset or a failing inflate names the file and block. */
function inflateBlock(bzs: Buffer, bzz: Buffer, n: number, bzzFile: string, id: string): Buffer {
  const offset = bzs.readUInt32LE(n * 12);
  const size = bzs.readUInt32LE(n * 12 + 4);
  const expected = bzs.readUInt32LE(n * 12 + 8);
  const corrupt = (why: string) => new Error(`${bzzFile}: block ${n} is corrupt (${why}): ${reinstall(id)}`);
  if (offset + size > bzz.length) throw corrupt(`bytes ${offset}..${offset + size} lie past the end of the file, ${bzz.length} bytes`);
  let block: Buffer;
  try {
    block = inflateSync(bzz.subarray(offset, offset + size));
  } catch (err) {
    throw corrupt(`zlib: ${(err as Error).message.split('\n')[0]}`);
  }
  if (block.length !== expected) throw corrupt(`inflates to ${block.length} bytes, the index says ${expected}`);
  return block;
}

/** The stored markup of every index slot of one testament ('' where empty), in slot order. */
export function readTestamentSlots(dir: string, testament: Testament, id = path.basename(dir)): string[] {
  const [bzsFile, bzvFile, bzzFile] = ['bzs', 'bzv', 'bzz'].map((ext) => path.join(dir, `${testament}.${ext}`));
  for (const f of [bzsFile, bzvFile, bzzFile]) if (!existsSync(f)) throw new Error(`SWORD module ${id} is incomplete: ${f} is missing: ${reinstall(id)}`);
  const bzs = readEntries(bzsFile, 12, id);
  const bzv = readEntries(bzvFile, 10, id);
  const bzz = readFileSync(bzzFile);
  const slots = testamentSlots(testament);
  if (bzv.length / 10 !== slots.length) {
    throw new Error(`${bzvFile} has ${bzv.length / 10} index slots but the KJV ${testament === 'ot' ? 'Old' : 'New'} Testament needs ${slots.length}: the module is not in KJV versification or is damaged`);
  }
  const blocks = new Map<number, Buffer>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  return slots.map((slot, i) => {
    const [n, offset, size] = [bzv.readUInt32LE(i * 10), bzv.readUInt32LE(i * 10 + 4), bzv.readUInt16LE(i * 10 + 8)];
    if (size === 0) return '';
    if (n >= bzs.length / 12) throw new Error(`${bzvFile}: slot ${i} (${slotName(slot)}) points at block ${n}, but ${bzsFile} lists ${bzs.length / 12} blocks: ${reinstall(id)}`);
    if (!blocks.has(n)) blocks.set(n, inflateBlock(bzs, bzz, n, bzzFile, id));
    const block = blocks.get(n)!;
    if (offset + size > block.length) throw new Error(`${bzvFile}: slot ${i} (${slotName(slot)}) points past the end of block ${n} (${offset}+${size} > ${block.length} bytes): ${reinstall(id)}`);
    try {
      return utf8.decode(block.subarray(offset, offset + size));
    } catch {
      throw new Error(`${bzzFile}: block ${n} holds invalid UTF-8 at slot ${i} (${slotName(slot)}), though the conf says Encoding=UTF-8: ${reinstall(id)}`);
    }
  });
}

/** Reads every verse of a zText module by its id (e.g. engKJV2006eb) from a SWORD library. */
export function readZText(id: string, root = swordRoot()): ZTextModule {
  const config = readModuleConfig(id, root);
  const dir = path.join(root, config.DataPath);
  const verses = new Map<string, Verse>();
  for (const testament of ['ot', 'nt'] as const) {
    const slots = testamentSlots(testament);
    readTestamentSlots(dir, testament, id).forEach((markup, i) => {
      const s = slots[i];
      if (s.kind === 'verse') verses.set(verseRef(s.book, s.chapter, s.verse), { book: s.book, chapter: s.chapter, verse: s.verse, ref: verseRef(s.book, s.chapter, s.verse), markup });
    });
  }
  return { id, config, verses };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== '#') return ENTITIES[name] ?? whole;
    const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * Words a translation adds (<transChange>) often touch their neighbours in RV1909 ("hay allí" +
 * "también" + "bdelio"; about 590 boundaries, none in the KJV), where print sets them apart in
 * italics. A boundary between two letters becomes a space, except before an added Spanish enclitic
 * pronoun, which is part of its verb ("sáca" + "lo" is "sácalo").
 */
const ENCLITICS = /^(?:lo|la|le|los|las|les|me|te|se|nos|os)$/;
const OPEN = '\uE000';
const CLOSE = '\uE001';

function spaceAddedWords(text: string): string {
  return text
    .replace(/(\p{L})\uE000([^\uE000\uE001]*)\uE001/gu, (whole, before: string, added: string) => (ENCLITICS.test(added) ? before + added + CLOSE : whole))
    .replace(/(\p{L})[\uE000\uE001](?=\p{L})/gu, '$1 ')
    .replace(/[\uE000\uE001]/g, '');
}

/**
 * The plain text of a verse's OSIS markup. Notes (cross-references, translators' glosses) go with
 * their content; so do titles, unless `titles` is 'all' or the title is canonical (a Psalm's
 * superscription is part of the verse). Strong's tags, red letters and added words keep their
 * words; KJV pilcrows go; entities are decoded and whitespace collapsed.
 */
export function osisToText(markup: string, options: { titles?: 'canonical' | 'all' } = {}): string {
  let text = markup.includes('<note') ? markup.replace(/<note\b[^>]*\/>|<note\b[^>]*>[\s\S]*?<\/note>/g, '') : markup;
  if (options.titles !== 'all' && text.includes('<title')) text = text.replace(/<title\b(?![^>]*\bcanonical="true")[^>]*>[\s\S]*?<\/title>/g, '');
  text = text.replace(/<transChange\b[^>]*>/g, OPEN).replace(/<\/transChange>/g, CLOSE);
  text = text.replace(/<[^>]*>/g, '');
  if (text.includes(OPEN)) text = spaceAddedWords(text);
  if (text.includes('&')) text = decodeEntities(text);
  return text
    .replace(/¶/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
