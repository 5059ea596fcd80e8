/**
 * The generated tables of a Markdown document: `<!-- tltc report --markdown DIR [--by-recipe]
 * [--prediction PLAN] -->`, the table, `<!-- end of generated table -->`.
 * scripts/experiments/regenerate-results.ts rewrites them from the committed run files;
 * test/experiments/results_tables.test.ts checks them.
 */
import path from 'node:path';
import { markdownTable } from './markdown_report.ts';

export interface TableBlock {
  dir: string;
  byRecipe: boolean;
  /** The plan file a crossover table tests (`--prediction`). */
  prediction?: string;
}

// A new block may be empty: the opening and closing comments on consecutive lines. The optional
// body is lazy (??), so an empty block never reaches on to the next block's closing comment.
const OPEN = String.raw`<!-- tltc report --markdown (\S+)( --by-recipe)?(?: --prediction (\S+))? -->\n`;
const CLOSE = '<!-- end of generated table -->';
const BLOCK = new RegExp(String.raw`(${OPEN})(?:[\s\S]*?\n)??(${CLOSE})`, 'g');
// A filled block, for reading: its table is everything between the two comments.
const FILLED = new RegExp(String.raw`${OPEN}([\s\S]*?)\n${CLOSE}`, 'g');

const blockOf = (dir: string, byRecipe?: string, prediction?: string): TableBlock => ({ dir, byRecipe: Boolean(byRecipe), ...(prediction ? { prediction } : {}) });

/** The command line a block stands for, as its opening comment writes it. */
export const blockCommand = (b: TableBlock) => `tltc report --markdown ${b.dir}${b.byRecipe ? ' --by-recipe' : ''}${b.prediction ? ` --prediction ${b.prediction}` : ''}`;

/** What `tltc report` makes of a block's files, paths taken from `root` (the repository). */
export function generatedTable(root: string, b: TableBlock): string {
  return markdownTable(path.join(root, b.dir), { byRecipe: b.byRecipe, ...(b.prediction ? { prediction: path.join(root, b.prediction) } : {}) });
}

/** Every filled block of `doc` with the table it holds. */
export function readGeneratedTables(doc: string): { block: TableBlock; table: string }[] {
  return [...doc.matchAll(FILLED)].map(([, dir, byRecipe, prediction, table]) => ({ block: blockOf(dir, byRecipe, prediction), table }));
}

/** `doc` with every block's body replaced by `make(block)`, and how many bodies changed. */
export function rewriteGeneratedTables(doc: string, make: (block: TableBlock) => string): { doc: string; changed: number } {
  let changed = 0;
  const next = doc.replace(BLOCK, (whole, open: string, dir: string, byRecipe: string | undefined, prediction: string | undefined, close: string) => {
    const made = `${open}${make(blockOf(dir, byRecipe, prediction))}\n${close}`;
    if (made !== whole) changed++;
    return made;
  });
  return { doc: next, changed };
}
