/**
 * The generated tables of a Markdown document: `<!-- tltc report --markdown DIR [--by-recipe] -->`,
 * the table, `<!-- end of generated table -->`. scripts/experiments/regenerate-results.ts
 * rewrites them from the committed run files; test/experiments/results_tables.test.ts checks them.
 */

export interface TableBlock {
  dir: string;
  byRecipe: boolean;
}

// A new block may be empty: the opening and closing comments on consecutive lines. The optional
// body is lazy (??), so an empty block never reaches on to the next block's closing comment.
const BLOCK = /(<!-- tltc report --markdown (\S+)( --by-recipe)? -->\n)(?:[\s\S]*?\n)??(<!-- end of generated table -->)/g;

/** `doc` with every block's body replaced by `make(block)`, and how many bodies changed. */
export function rewriteGeneratedTables(doc: string, make: (block: TableBlock) => string): { doc: string; changed: number } {
  let changed = 0;
  const next = doc.replace(BLOCK, (whole, open: string, dir: string, byRecipe: string | undefined, close: string) => {
    const made = `${open}${make({ dir, byRecipe: Boolean(byRecipe) })}\n${close}`;
    if (made !== whole) changed++;
    return made;
  });
  return { doc: next, changed };
}
