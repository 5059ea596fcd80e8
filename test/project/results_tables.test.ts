import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { blockCommand, generatedTable, readGeneratedTables } from '../../src/experiments/generated_tables.ts';

// Every table in docs/RESULTS.md between `<!-- tltc report --markdown DIR ... -->` and its end
// marker is the command's output on the committed raw files, not typed: regenerated here and
// compared, one test per table. Paths inside the comments are relative to the repository root.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const blocks = readGeneratedTables(readFileSync(path.join(root, 'docs/RESULTS.md'), 'utf8'));

describe('docs/RESULTS.md tables', () => {
  it('has generated tables', () => assert.ok(blocks.length >= 10, `found ${blocks.length}`));
  for (const { block, table } of blocks) {
    it(`${blockCommand(block)} prints the table from the raw files`, () => {
      assert.equal(generatedTable(root, block).trim(), table.trim());
    });
  }
});
