import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/cli.ts';

/**
 * graph -> autodiff -> nn -> train / compress -> export / import -> pipeline -> experiments / queue -> cli: a folder may import
 * its own rank or lower, never higher.
 */
const RANK: Record<string, number> = {
  util: 0,
  io: 0,
  graph: 1,
  tokenizer: 1,
  runtime: 2,
  data: 2,
  autodiff: 2,
  nn: 3,
  train: 4,
  compress: 4,
  export: 5,
  import: 5,
  pipeline: 6,
  experiments: 7,
  queue: 7,
  bench: 7,
  cli: 8,
  api: 8,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('layering', () => {
  it('no module imports a higher layer', () => {
    const src = path.join(ROOT, 'src');
    const violations: string[] = [];
    let checked = 0;
    for (const file of sources(src)) {
      const layer = path.relative(src, file).split(path.sep)[0];
      assert.ok(layer in RANK, `src/${layer} has no rank in this test: add it`);
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = path.relative(src, path.resolve(path.dirname(file), m[1])).split(path.sep)[0];
        checked++;
        if (RANK[target] > RANK[layer]) violations.push(`${path.relative(ROOT, file)} imports ${m[1]}`);
      }
    }
    assert.ok(checked > 100, `only ${checked} imports found: the pattern no longer matches`);
    assert.deepEqual(violations, []);
  });
});
