import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runTable } from '../../src/experiments/run_table.ts';
import { ROOT } from '../helpers/cli.ts';

/** docs/RESULTS.md's generated tables: `<!-- tltc report --markdown DIR -->`, the table, `<!-- end of generated table -->`. */
const BLOCK = /<!-- tltc report --markdown (\S+) -->\n([\s\S]*?)\n<!-- end of generated table -->/g;

describe('docs/RESULTS.md', () => {
  it('every generated table is what tltc report --markdown makes of the committed run files', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/RESULTS.md'), 'utf8');
    const blocks = [...doc.matchAll(BLOCK)];
    assert.ok(blocks.length >= 1, 'docs/RESULTS.md has no generated table');
    for (const [, dir, table] of blocks) assert.equal(table, runTable(path.join(ROOT, dir)), `the table of ${dir} differs from its files: regenerate it with tltc report --markdown ${dir}`);
  });
});
