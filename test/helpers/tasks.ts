/** Small synthetic task files for tests that need a task quickly. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { seededRandom } from './rng.ts';

/** `rows` short texts whose label says whether they mention the sea, as a CSV task in `dir`. */
export function seaTask(dir: string, rows = 240): string {
  const rng = seededRandom(5);
  const words = ['ship', 'captain', 'harpoon', 'deck', 'sail', 'crew', 'island', 'storm', 'night', 'whale', 'boat', 'town'];
  const lines = Array.from({ length: rows }, (_, i) => {
    const sea = i % 2 === 0;
    const text = Array.from({ length: 8 }, () => words[Math.floor(rng() * words.length)]).join(' ') + (sea ? ' on the sea' : ' in the street');
    return `"${text}",${sea ? 'sea' : 'land'}`;
  });
  const file = path.join(dir, 'sea.csv');
  writeFileSync(file, `text,label\n${lines.join('\n')}\n`);
  return file;
}
