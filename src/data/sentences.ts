/**
 * Sentences of the default corpus, for teaching a student a sentence encoder's embeddings:
 * documents split at sentence ends, kept when 5 to 60 words long, deduplicated, and taken in a
 * seeded order, from the corpus's training documents or its validation documents (corpus.ts
 * isValidation), so fidelity is measured on documents the student never saw.
 */
import { Random } from '../util/random.ts';
import { defaultCorpus, isValidation } from './corpus.ts';

const SENTENCE_END = /(?<=[.!?]["')\]]?)\s+(?=["'([]?[A-Z])/;

/** The sentences of one document's text, whitespace collapsed, within the length limits. */
export function splitSentences(text: string, minWords = 5, maxWords = 60): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(SENTENCE_END)
    .map((s) => s.trim())
    .filter((s) => {
      const words = s.split(' ').length;
      return words >= minWords && words <= maxWords;
    });
}

/** Up to `count` distinct sentences of the training or validation documents, in a seeded order. */
export function corpusSentences(split: 'train' | 'val', count: number, seed = 0): string[] {
  const seen = new Set<string>();
  for (const d of defaultCorpus()) {
    if (isValidation(d.id) !== (split === 'val')) continue;
    for (const s of splitSentences(d.text)) seen.add(s);
  }
  const all = [...seen];
  const order = new Random(seed, 0x73656e74).shuffle(Int32Array.from({ length: all.length }, (_, i) => i));
  return Array.from(order.subarray(0, Math.min(count, all.length)), (i) => all[i]);
}
