/**
 * `tltc report --markdown DIR` on the queue speed-up measurements (DIR/speedup-*.json, as
 * scripts/bench/queue_speedup.sh writes them): per repetition, the grid's wall seconds with one
 * worker at 2 threads and with two workers at 1 thread, and the speed-up, with the grid and the
 * machine (its CPU flags) each was measured on.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fixed, markdownGrid } from './run_table.ts';

interface Speedup {
  grid: string;
  one_worker_2_threads_s: number;
  two_workers_1_thread_s: number;
  speedup: number;
  machine: { cpu: string; cpu_flags: string[]; cores: number };
}

const SPEEDUP_FILE = /^speedup-\d+\.json$/;

function speedupFiles(root: string): { name: string; s: Speedup }[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => SPEEDUP_FILE.test(f))
    .sort((a, b) => parseInt(a.slice(8), 10) - parseInt(b.slice(8), 10))
    .map((name) => ({ name, s: JSON.parse(readFileSync(path.join(root, name), 'utf8')) as Speedup }));
}

/** True when `root` holds queue speed-up measurements. */
export const hasQueueSpeedups = (root: string): boolean => speedupFiles(root).length > 0;

export function queueSpeedupTable(root: string): string {
  const files = speedupFiles(path.resolve(root));
  const header = ['file', '1 worker x 2 threads (s)', '2 workers x 1 thread (s)', 'speed-up'];
  const rows = files.map(({ name, s }) => [name, fixed(s.one_worker_2_threads_s, 1), fixed(s.two_workers_1_thread_s, 1), `${fixed(s.speedup, 2)}x`]);
  const table = markdownGrid(header, rows);
  const machines = [...new Set(files.map(({ s }) => `${s.machine.cpu}, ${s.machine.cores} cores, ${s.machine.cpu_flags.join('/') || 'no AVX2'}`))];
  const grids = [...new Set(files.map(({ s }) => s.grid))];
  return `${table}\n\nGrid: ${grids.join('; ')}. Machine: ${machines.join('; ')}. Wall seconds from the first worker's start to the last run's end.`;
}
