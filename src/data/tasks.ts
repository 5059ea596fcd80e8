/**
 * Downstream classification tasks. `genre`: passages of the Brown corpus labelled with the genre
 * of their source file (15 classes), split into train/val/test by file, so no passage of a file
 * appears in two splits. `sentiment` and `spam`: see sentiment.ts and spam.ts.
 */
import { Random } from '../util/random.ts';
import { brownFiles } from './corpus.ts';
import { sentimentTask } from './sentiment.ts';
import { spamTask } from './spam.ts';

export interface Example {
  text: string;
  label: number;
  /** The document the passage was cut from; splits never share one. */
  source: string;
}

export interface Task {
  name: string;
  labels: string[];
  train: Example[];
  val: Example[];
  test: Example[];
}

export const BROWN_GENRES: Record<string, string> = {
  a: 'press: reportage',
  b: 'press: editorial',
  c: 'press: reviews',
  d: 'religion',
  e: 'skill and hobbies',
  f: 'popular lore',
  g: 'belles-lettres',
  h: 'miscellaneous: government and house organs',
  j: 'learned',
  k: 'fiction: general',
  l: 'fiction: mystery and detective',
  m: 'fiction: science',
  n: 'fiction: adventure and western',
  p: 'fiction: romance and love story',
  r: 'humor',
};

export const TASKS = ['genre', 'sentiment', 'spam'] as const;
export type TaskName = (typeof TASKS)[number];

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

/** Cuts text into passages of at most `maxWords` words at sentence ends where possible. */
export function passages(text: string, maxWords: number): string[] {
  const sentences = text.split(/(?<=[.!?]["')\]]?)\s+/);
  const out: string[] = [];
  let cur: string[] = [];
  for (const s of sentences) {
    const words = s.split(/\s+/).filter(Boolean);
    if (cur.length + words.length > maxWords && cur.length > 0) {
      out.push(cur.join(' '));
      cur = [];
    }
    for (let i = 0; i < words.length; i += maxWords) {
      const piece = words.slice(i, i + maxWords);
      if (piece.length === maxWords) out.push(piece.join(' '));
      else cur.push(...piece);
    }
  }
  if (cur.length > 0) out.push(cur.join(' '));
  return out;
}

/**
 * Loads a task. Passages are cut to `maxWords` words (about 80 words fit 128 BPE tokens);
 * callers truncate to their token limit.
 */
/** The name, if it is a task; otherwise the one-line error loadTask gives, without loading anything. */
export function checkTaskName(name: string): TaskName {
  if (!(TASKS as readonly string[]).includes(name)) throw new Error(`unknown task "${name}": available tasks are ${TASKS.join(', ')}`);
  return name as TaskName;
}

export function loadTask(name: string, maxWords = 80): Task {
  checkTaskName(name);
  if (name === 'spam') return spamTask(maxWords);
  if (name === 'sentiment') return sentimentTask(maxWords);
  const labels = Object.keys(BROWN_GENRES);
  const task: Task = { name, labels: labels.map((l) => BROWN_GENRES[l]), train: [], val: [], test: [] };
  const byGenre = new Map<string, { file: string; text: string }[]>();
  for (const f of brownFiles()) {
    const list = byGenre.get(f.genre) ?? [];
    list.push(f);
    byGenre.set(f.genre, list);
  }
  for (const [genre, files] of byGenre) {
    const where = splitPositions(files.length);
    files.forEach((f, i) => {
      for (const text of passages(f.text, maxWords)) task[where[i]].push({ text, label: labels.indexOf(genre), source: `brown/${f.file}` });
    });
  }
  return task;
}

/** A fixed random subset of `n` examples (all of them when n is absent or not smaller), for quicker measurement. */
export function sampleExamples(examples: readonly Example[], n?: number): readonly Example[] {
  if (n === undefined || n >= examples.length) return examples;
  const order = new Random(0x5eed).shuffle(Int32Array.from(examples.keys()));
  return Array.from(order.subarray(0, n), (i) => examples[i]);
}
