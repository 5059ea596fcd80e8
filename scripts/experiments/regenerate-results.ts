/**
 * Rewrites every generated table of docs/RESULTS.md and docs/DISTRIBUTED.md (`<!-- tltc report
 * --markdown DIR -->` ... `<!-- end of generated table -->`) from the committed run files, so a
 * change to a table's columns is one command: `npx tsx scripts/experiments/regenerate-results.ts`.
 * Each file is replaced atomically; test/experiments/results_tables.test.ts checks the result.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownTable } from '../../src/experiments/markdown_report.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// A new block may be empty: the opening and closing comments on consecutive lines.
const BLOCK = /(<!-- tltc report --markdown (\S+)( --by-recipe)? -->\n)(?:[\s\S]*?\n)?(<!-- end of generated table -->)/g;
for (const name of ['docs/RESULTS.md', 'docs/DISTRIBUTED.md']) {
  const file = path.join(root, name);
  let changed = 0;
  const next = readFileSync(file, 'utf8').replace(BLOCK, (whole, open: string, dir: string, byRecipe: string | undefined, close: string) => {
    const made = `${open}${markdownTable(path.join(root, dir), { byRecipe: Boolean(byRecipe) })}\n${close}`;
    if (made !== whole) changed++;
    return made;
  });
  writeFileSync(`${file}.tmp`, next);
  renameSync(`${file}.tmp`, file);
  console.log(`${name}: ${changed} generated table(s) rewritten`);
}
