import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { markdownTable } from '../../src/experiments/markdown_report.ts';

// Every table in docs/RESULTS.md between `<!-- tltc report --markdown DIR -->` and its end marker
// is the command's output on the committed raw files, not typed: regenerated here and compared.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const results = readFileSync(path.join(root, 'docs/RESULTS.md'), 'utf8');
const blocks = [...results.matchAll(/<!-- tltc report --markdown (\S+)( --by-recipe)? -->\n([\s\S]*?)<!-- end of generated table -->/g)];

describe('docs/RESULTS.md tables', () => {
  it('has generated tables', () => assert.ok(blocks.length >= 10, `found ${blocks.length}`));
  for (const [, dir, byRecipe, table] of blocks) {
    it(`${dir}${byRecipe ?? ''} is what tltc report prints from the raw files`, () => {
      // Paths inside tables are relative to the repository root, as the command is run there.
      const cwd = process.cwd();
      process.chdir(root);
      try {
        assert.equal(markdownTable(dir, { byRecipe: byRecipe !== undefined }).trim(), table.trim());
      } finally {
        process.chdir(cwd);
      }
    });
  }
});
