#!/usr/bin/env node
// The learning-rate grid's pick: for each model of the finished runs under GRID_DIR (run.json and
// summary.json), the peak rate whose run ended with the lowest validation perplexity. Prints
// {"MODEL": rate, ...}, which a sweep file's learning_rates takes as it is.
// Usage: node scripts/experiments/pick-lr.mjs GRID_DIR
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const root = process.argv[2];
if (!root || !existsSync(root)) {
  process.stderr.write('usage: node scripts/experiments/pick-lr.mjs GRID_DIR (a folder of finished runs)\n');
  process.exit(1);
}
const best = {};
for (const name of readdirSync(root)) {
  const dir = path.join(root, name);
  if (!existsSync(path.join(dir, 'summary.json'))) continue;
  const run = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
  const { val_ppl } = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const model = run.config.model;
  if (!best[model] || val_ppl < best[model].val_ppl) best[model] = { lr: run.optimizer.lr, val_ppl };
}
process.stdout.write(`${JSON.stringify(Object.fromEntries(Object.entries(best).map(([m, b]) => [m, b.lr])))}\n`);
