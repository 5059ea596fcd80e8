/**
 * Downstream classification tasks. `genre`: passages of the Brown corpus labelled with the genre
 * of their source file (15 classes), split into train/val/test by file, so no passage of a file
 * appears in two splits. `sentiment` and `spam`: see sentiment.ts and spam.ts.
 */
import { Random } from '../util/random.ts';
import { brownSplits } from './corpus.ts';
import { sentimentTask } from './sentiment.ts';
import { spamTask } from './spam.ts';

export interface Example {
  text: string;
  /** The second text of a sentence-pair task (premise and hypothesis, question and answer). */
  pair?: string;
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
  for (const f of brownSplits()) {
    for (const text of passages(f.text, maxWords)) task[f.split].push({ text, label: labels.indexOf(f.genre), source: `brown/${f.file}` });
  }
  return task;
}

/** A fixed random subset of `n` examples (all of them when n is absent or not smaller), for quicker measurement. */
export function sampleExamples<T = Example>(examples: readonly T[], n?: number): readonly T[] {
  if (n === undefined || n >= examples.length) return examples;
  const order = new Random(0x5eed).shuffle(Int32Array.from(examples.keys()));
  return Array.from(order.subarray(0, n), (i) => examples[i]);
}
