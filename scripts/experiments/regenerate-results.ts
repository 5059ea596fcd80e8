/**
 * Rewrites every generated table of docs/RESULTS.md and docs/DISTRIBUTED.md (`<!-- tltc report
 * --markdown DIR -->` ... `<!-- end of generated table -->`) from the committed run files, so a
 * change to a table's columns is one command: `npx tsx scripts/experiments/regenerate-results.ts`.
 * Each file is replaced atomically; test/experiments/results_tables.test.ts checks the result.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedTable, rewriteGeneratedTables } from '../../src/experiments/generated_tables.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
for (const name of ['docs/RESULTS.md', 'docs/DISTRIBUTED.md']) {
  const file = path.join(root, name);
  const { doc, changed } = rewriteGeneratedTables(readFileSync(file, 'utf8'), (b) => generatedTable(root, b));
  writeFileSync(`${file}.tmp`, doc);
  renameSync(`${file}.tmp`, file);
  console.log(`${name}: ${changed} generated table(s) rewritten`);
}
