/**
 * The offline English-Spanish parallel corpus for machine translation (../shared/DATA.md,
 * "Translation"): the King James Version and the Reina-Valera 1909, both public domain and
 * human-translated, read from Debian's SWORD modules and paired verse by verse. Both modules
 * declare the KJV versification, so a reference names the same verse in each, except in a few
 * chapters where RV1909 divides the verses differently; those are found and left out (below).
 *
 * Split by book, so no chapter or book spans two splits:
 * - val: Joshua (narrative), Ecclesiastes (wisdom), Amos (prophecy), Mark (gospel),
 *   Galatians (epistle);
 * - test: Ruth (narrative), Lamentations (poetry), Daniel (narrative and apocalyptic),
 *   John (gospel), Hebrews (epistle);
 * - train: the other 56 books.
 * Measured on the Debian modules (31,102 verses each): 26,673 train, 1,851 val and 1,778 test
 * pairs; 629 verses in 23 misaligned chapters and 171 repeated pairs are left out (11 of them
 * repeats only once RV1909's chapter openings lose their capitals).
 */
import { osisToText, readZText, swordRoot, type Verse, type ZTextModule } from './sword.ts';
import { truecaseOpenings } from './truecase.ts';

export interface TranslationPair {
  source: string;
  target: string;
  /** "Gen 1:1" */
  ref: string;
}

export interface ParallelCorpus {
  name: string;
  train: TranslationPair[];
  val: TranslationPair[];
  test: TranslationPair[];
  split_rule: string;
  /** Pairs left out, by reason, for run.json. */
  dropped: { empty: number; misaligned: number; duplicate: number };
}

export const VAL_BOOKS: readonly string[] = ['Josh', 'Eccl', 'Amos', 'Mark', 'Gal'];
export const TEST_BOOKS: readonly string[] = ['Ruth', 'Lam', 'Dan', 'John', 'Heb'];

export const TRANSLATION_TASKS = {
  'translate-en-es': { source: 'engKJV2006eb', target: 'spaRV1909eb' },
  'translate-es-en': { source: 'spaRV1909eb', target: 'engKJV2006eb' },
} as const;
export type TranslationTaskName = keyof typeof TRANSLATION_TASKS;

/** The source and target module ids of a translation task; unknown names are refused. */
export function translationTaskModules(name: string): { source: string; target: string } {
  const known = Object.keys(TRANSLATION_TASKS);
  if (!known.includes(name)) throw new Error(`unknown translation task "${name}": available translation tasks are ${known.join(', ')}`);
  return TRANSLATION_TASKS[name as TranslationTaskName];
}

/** Strong's numbers tagged in a verse (lemma="strong:H0430 H0853"), notes left out; H0430 = H430. */
export function strongsNumbers(markup: string): Set<string> {
  const out = new Set<string>();
  const text = markup.includes('<note') ? markup.replace(/<note\b[^>]*>[\s\S]*?<\/note>/g, '') : markup;
  for (const [, lemma] of text.matchAll(/\blemma="([^"]*)"/g)) {
    for (const [, letter, digits] of lemma.matchAll(/\b([HG])0*(\d+)/g)) out.add(letter + digits);
  }
  return out;
}

/** One verse reference with both sides' text and Strong's numbers. */
export interface AlignedVerse {
  ref: string;
  /** "Num 13" */
  chapter: string;
  book: string;
  source: string;
  target: string;
  sourceStrongs: Set<string>;
  targetStrongs: Set<string>;
}

/**
 * A verse's text for pairing. In-verse titles stay: RV1909 prints the epistles' closing notes
 * ("Written to the Romans from Corinthus...") and Psalm 119's letters as plain verse text, where
 * the KJV marks them as titles, so dropping them on one side would leave words unmatched.
 */
const verseText = (v: Verse): string => osisToText(v.markup, { titles: 'all' });

/** The verses both modules index, in canonical order. */
export function alignVerses(source: ZTextModule, target: ZTextModule): AlignedVerse[] {
  const out: AlignedVerse[] = [];
  for (const v of source.verses.values()) {
    const other = target.verses.get(v.ref);
    if (!other) continue;
    const [sourceStrongs, targetStrongs] = [strongsNumbers(v.markup), strongsNumbers(other.markup)];
    out.push({ ref: v.ref, chapter: `${v.book} ${v.chapter}`, book: v.book, source: verseText(v), target: verseText(other), sourceStrongs, targetStrongs });
  }
  return out;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

const sameSet = (a: Set<string>, b: Set<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

/**
 * RV1909 shifts verses by up to five places (Job 38:39-41 is its Job 39:1-3) and merges the
 * overflow into a chapter's last verse. A verse is shifted when one side shares clearly more
 * Strong's numbers with a nearby verse of the other side than with its own counterpart. A
 * neighbour identical to the verse itself (a refrain: Ps 67:3 and 67:5) is no evidence. On these
 * modules every flagged verse lies in a chapter that is divided differently.
 */
const SHIFT_WINDOW = 6;
const SHIFT_MARGIN = 0.2;

function isShifted(verses: readonly AlignedVerse[], k: number): boolean {
  const v = verses[k];
  const own = jaccard(v.sourceStrongs, v.targetStrongs);
  for (let m = Math.max(0, k - SHIFT_WINDOW); m <= Math.min(verses.length - 1, k + SHIFT_WINDOW); m++) {
    if (m === k) continue;
    const n = verses[m];
    if (!sameSet(n.targetStrongs, v.targetStrongs) && jaccard(n.sourceStrongs, v.targetStrongs) > own + SHIFT_MARGIN) return true;
    if (!sameSet(n.sourceStrongs, v.sourceStrongs) && jaccard(v.sourceStrongs, n.targetStrongs) > own + SHIFT_MARGIN) return true;
  }
  return false;
}

/**
 * Chapters ("Num 13") whose verse division differs between the two modules: a verse only one
 * side has text for, or a shifted verse. Without Strong's tags only the first is checked.
 */
export function misalignedChapters(verses: readonly AlignedVerse[]): Set<string> {
  const out = new Set<string>();
  verses.forEach((v, k) => {
    if ((v.source === '') !== (v.target === '')) out.add(v.chapter);
    else if (v.sourceStrongs.size > 0 && v.targetStrongs.size > 0 && !out.has(v.chapter) && isShifted(verses, k)) out.add(v.chapter);
  });
  return out;
}

function splitOf(book: string): 'train' | 'val' | 'test' {
  return VAL_BOOKS.includes(book) ? 'val' : TEST_BOOKS.includes(book) ? 'test' : 'train';
}

/**
 * The verse pairs of two SWORD modules (default KJV English -> RV1909 Spanish), split by book
 * (VAL_BOOKS, TEST_BOOKS, the rest train). Pairs with an empty side or in a misaligned chapter
 * are dropped; a pair repeated verbatim ("And the LORD spake unto Moses, saying,") is kept only at
 * its first occurrence in canonical order, so no evaluation pair also appears in train. RV1909's
 * chapter openings in capitals take their usual casing (truecase.ts).
 */
export function loadParallelCorpus(options: { source?: string; target?: string; root?: string } = {}): ParallelCorpus {
  const { source = 'engKJV2006eb', target = 'spaRV1909eb', root = swordRoot() } = options;
  const verses = alignVerses(readZText(source, root), readZText(target, root));
  const [sources, targets] = [truecaseOpenings(verses.map((v) => v.source)), truecaseOpenings(verses.map((v) => v.target))];
  verses.forEach((v, i) => ([v.source, v.target] = [sources[i], targets[i]]));
  const skip = misalignedChapters(verses);
  const corpus: ParallelCorpus = { name: `${source}-${target}`, train: [], val: [], test: [], split_rule: splitRule(skip), dropped: { empty: 0, misaligned: 0, duplicate: 0 } };
  const seen = new Set<string>();
  for (const v of verses) {
    const key = `${v.source}\n${v.target}`;
    if (skip.has(v.chapter)) corpus.dropped.misaligned++;
    else if (v.source === '' || v.target === '') corpus.dropped.empty++;
    else if (seen.has(key)) corpus.dropped.duplicate++;
    else {
      corpus[splitOf(v.book)].push({ source: v.source, target: v.target, ref: v.ref });
      seen.add(key);
    }
  }
  return corpus;
}

function splitRule(skip: Set<string>): string {
  const chapters = [...skip].join(', ');
  return (
    `by book: val = ${VAL_BOOKS.join(', ')}; test = ${TEST_BOOKS.join(', ')}; train = every other book. ` +
    `Left out: pairs with an empty side, repeats of an earlier pair, and chapters whose verse division differs between the modules (${chapters || 'none'})`
  );
}
