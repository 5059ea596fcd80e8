/**
 * `npm run bench`: `tltc bench` on every reference spec in ../shared/bench (or the folder given
 * as the first argument), each in its own process; prints JSON lines, then a table, and writes
 * runs/bench/results.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const specDir = path.resolve(process.argv[2] ?? path.join(root, '../shared/bench'));
const seconds = process.env.TLTC_BENCH_SECONDS ?? '20';
if (!existsSync(specDir)) {
  process.stderr.write(`bench: spec folder ${specDir} does not exist: pass one as the first argument\n`);
  process.exit(1);
}
const specs = readdirSync(specDir).filter((f) => f.endsWith('.json')).sort();
const results: Record<string, unknown>[] = [];
// The side-by-side with PyTorch runs only where python3 can import torch (Debian: python3-torch).
// The first python (TLTC_PYTHON, python3 on PATH, Debian's /usr/bin/python3) that imports torch.
const python = [process.env.TLTC_PYTHON, 'python3', '/usr/bin/python3'].find((p) => p && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
const withTorch = python !== undefined;
if (!withTorch) process.stderr.write('bench: PyTorch not found (apt-get install python3-torch libopenblas0-pthread): no side-by-side comparison\n');
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
  const result = JSON.parse(line) as Record<string, unknown>;
  if (withTorch) {
    const t = spawnSync(python!, [path.join(root, 'scripts/bench/pytorch_bench.py'), path.join(specDir, spec), '--seconds', seconds], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (t.status === 0) {
      const torch = JSON.parse(t.stdout.trim().split('\n').at(-1)!) as { tokens_per_s: number };
      process.stdout.write(`${JSON.stringify({ pytorch: torch })}\n`);
      result.pytorch = torch;
      result.ratio_vs_pytorch = (result.tokens_per_s as number) / torch.tokens_per_s;
    } else process.stderr.write(`bench: the PyTorch run of ${spec} failed\n`);
  }
  results.push(result);
}

const rows = results.map((r) => [
  String(r.name),
  (r.tokens_per_s as number).toFixed(0),
  (r.step_ms as number).toFixed(1),
  (r.gflops_per_step as number).toFixed(2),
  (r.achieved_gflops as number).toFixed(1),
  (r.peak_gflops as number).toFixed(1),
  `${(100 * (r.mfu as number)).toFixed(1)}%`,
  ...(withTorch ? [r.pytorch ? ((r.pytorch as { tokens_per_s: number }).tokens_per_s).toFixed(0) : '-', r.ratio_vs_pytorch ? `${(r.ratio_vs_pytorch as number).toFixed(2)}x` : '-'] : []),
]);
const header = ['spec', 'tokens/s', 'step ms', 'GFLOP/step', 'GFLOP/s', 'peak GFLOP/s', 'MFU', ...(withTorch ? ['PyTorch tokens/s', 'tltc / PyTorch'] : [])];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
process.stdout.write(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}\n`);
mkdirSync(path.join(root, 'runs/bench'), { recursive: true });
writeFileSync(path.join(root, 'runs/bench/results.json'), `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`);
