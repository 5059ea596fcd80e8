/**
 * `npm run bench`: `tltc bench` on every reference spec in ../shared/bench (or the folder given
 * as the first argument), each in its own process; prints JSON lines, then a table, and writes
 * bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const specDir = path.resolve(process.argv[2] ?? path.join(root, '../shared/bench'));
const seconds = process.env.TLTC_BENCH_SECONDS ?? '20';
if (!existsSync(specDir)) {
  process.stderr.write(`bench: spec folder ${specDir} does not exist: pass one as the first argument\n`);
  process.exit(1);
}
const specs = readdirSync(specDir).filter((f) => f.endsWith('.json')).sort();
const results: Record<string, unknown>[] = [];
for (const spec of specs) {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/tltc.js'), 'bench', '--spec', path.join(specDir, spec), '--seconds', seconds, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) {
    process.stderr.write(`bench: ${spec} failed\n`);
    process.exit(1);
  }
  const line = r.stdout.trim().split('\n').at(-1)!;
  process.stdout.write(`${line}\n`);
  results.push(JSON.parse(line));
}

const rows = results.map((r) => [
  String(r.name),
  (r.tokens_per_s as number).toFixed(0),
  (r.step_ms as number).toFixed(1),
  (r.gflops_per_step as number).toFixed(2),
  (r.achieved_gflops as number).toFixed(1),
  (r.peak_gflops as number).toFixed(1),
  `${(100 * (r.mfu as number)).toFixed(1)}%`,
]);
const header = ['spec', 'tokens/s', 'step ms', 'GFLOP/step', 'GFLOP/s', 'peak GFLOP/s', 'MFU'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
process.stdout.write(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
writeFileSync(path.join(root, 'bench/results.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
