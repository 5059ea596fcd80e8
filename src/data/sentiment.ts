/**
 * The `sentiment` task (an SST-2 stand-in): Pang & Lee's sentence polarity set, 4,000 movie-review
 * sentences, half positive, as Debian's python3-pattern installs it (its licence allows personal
 * use, so it is read from the system, never shipped). Split by a hash of the sentence, 80/10/10.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stableHash } from './corpus.ts';
import type { Example, Task } from './tasks.ts';

export const SENTIMENT_FILE = '/usr/share/doc/python3-pattern/test/corpora/polarity-en-pang&lee2.csv';
export const SENTIMENT_LABELS = ['negative', 'positive'];

export function sentimentTask(maxWords: number, file = process.env.TLTC_SENTIMENT_FILE ?? SENTIMENT_FILE): Task {
  if (!existsSync(file)) throw new Error(`the sentiment task reads ${file}, which is missing: install Debian's python3-pattern (apt-get install python3-pattern)`);
  let rows: string[][];
  try {
    rows = parse(readFileSync(file, 'utf8'), { bom: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new Error(`${file} is not the expected "label","text" CSV: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const task: Task = { name: 'sentiment', labels: SENTIMENT_LABELS, train: [], val: [], test: [] };
  rows.forEach(([label, sentence], i) => {
    if (label !== '1' && label !== '-1') throw new Error(`${file} row ${i + 1}: label "${label}" is not 1 or -1`);
    const text = sentence.split(/\s+/).filter(Boolean).slice(0, maxWords).join(' ');
    const bucket = stableHash(`sentiment:${text}`) % 10;
    const example: Example = { text, label: label === '1' ? 1 : 0, source: `pang-lee/${i}` };
    task[bucket === 0 ? 'test' : bucket === 1 ? 'val' : 'train'].push(example);
  });
  return task;
}
