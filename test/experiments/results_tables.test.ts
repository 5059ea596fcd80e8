import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { recipeTable } from '../../src/experiments/recipe_table.ts';
import { runTable } from '../../src/experiments/run_table.ts';
import { tmpDir } from '../helpers/cli.ts';
import { ROOT } from '../helpers/cli.ts';

/** docs/RESULTS.md's generated tables: `<!-- tltc report --markdown DIR [--by-recipe] -->`, the table, `<!-- end of generated table -->`. */
const BLOCK = /<!-- tltc report --markdown (\S+)( --by-recipe)? -->\n([\s\S]*?)\n<!-- end of generated table -->/g;

describe('docs/RESULTS.md', () => {
  it('every generated table is what tltc report --markdown makes of the committed run files', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/RESULTS.md'), 'utf8');
    const blocks = [...doc.matchAll(BLOCK)];
    assert.ok(blocks.length >= 1, 'docs/RESULTS.md has no generated table');
    for (const [, dir, byRecipe, table] of blocks) {
      const made = byRecipe ? recipeTable(path.join(ROOT, dir)) : runTable(path.join(ROOT, dir));
      assert.equal(table, made, `the table of ${dir} differs from its files: regenerate it with tltc report --markdown ${dir}${byRecipe ?? ''}`);
    }
  });

  it('the recipe table groups runs by recipe, averages seeds and compares each recipe with the older one', () => {
    const root = tmpDir();
    const write = (name: string, d: number, recipe: { frac?: number; bias?: string; dropout: number; rule?: boolean }, ppl: number) => {
      const dir = path.join(root, name);
      mkdirSync(dir, { recursive: true });
      const optimizer = { lr: 1e-3, warmup_steps: recipe.frac ? 0 : 50, ...(recipe.frac ? { warmup_fraction: recipe.frac } : {}), lr_source: recipe.rule ? 'width rule' : 'config' };
      writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ model: { n_layers: 2, d_model: d, dropout: recipe.dropout }, config: { budget: '10steps', batch_size: 8, init: { output_bias: recipe.bias ?? 'zeros' } }, optimizer, seed: 0 }));
      writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ step: 10, wall_s: 1, val_ppl: ppl, unigram_val_ppl: 900 }));
      writeFileSync(path.join(dir, 'metrics.jsonl'), `${JSON.stringify({ val_ppl: 1000 })}\n`);
    };
    const current = { frac: 0.05, bias: 'unigram', dropout: 0, rule: true };
    write('old-a', 64, { dropout: 0.1 }, 800);
    write('old-b', 128, { dropout: 0.1 }, 1000);
    write('drop-a', 64, { dropout: 0 }, 760);
    for (const [seed, ppl] of [700, 720, 740].entries()) write(`new-a-s${seed}`, 64, current, ppl);
    const table = recipeTable(root).split('\n');
    assert.equal(table[0], '| recipe | L2-H64 final val ppl | L2-H128 final val ppl |');
    assert.equal(table[2], '| older recipe (rate 0.001, warm-up 50 steps, dropout 0.1, zero output bias) | 800.0 | 1,000.0 |');
    assert.equal(table[3], '| older + dropout 0 | 760.0 · −5.0% | - |');
    assert.equal(table[4], '| current recipe (all four) | 720.0 ± 20.0 (3 seeds) · −10.0% | - |');
    assert.equal(table.length, 5);
  });
});
