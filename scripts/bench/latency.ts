/**
 * `npm run bench:latency -- FILE.onnx ...`: median latency of exported classifiers at batch 1 and
 * 8 (sequence 128, 2 threads unless TLTC_THREADS is set), every file in the same process one
 * after another, so a table compares them under the same conditions. Prints the machine (its CPU
 * flags decide int8 speed), JSON lines, a table, and each int8 / 4-bit file's speed-up over the
 * fp32 model.onnx of its folder against the VNNI targets (src/bench/latency_targets.ts).
 */
import path from 'node:path';
import { medianLatency } from '../../src/export/measure.ts';
import { openOnnxFile } from '../../src/export/onnx_file.ts';
import { checkTargets, targetLine } from '../../src/bench/latency_targets.ts';
import { cpuProfile } from '../../src/util/cpu.ts';
import { machineInfo } from '../../src/util/machine.ts';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('bench:latency: pass one or more exported .onnx classifier files\n');
  process.exit(1);
}
const threads = Number(process.env.TLTC_THREADS ?? 2);
process.stdout.write(`${JSON.stringify({ machine: machineInfo(threads) })}\n`);
const rows: { file: string; bytes: number; batch1_ms: number; batch8_ms: number }[] = [];
for (const file of files) {
  const { session, bytes } = await openOnnxFile(file, { threads });
  const row = { file, bytes, batch1_ms: await medianLatency(session, 1, 128, 40, 5), batch8_ms: await medianLatency(session, 8, 128, 40, 5) };
  await session.release();
  rows.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
const name = (f: string) => path.relative(process.cwd(), f);
const width = Math.max(...rows.map((r) => name(r.file).length), 4);
process.stdout.write(`\n${'file'.padEnd(width)}  ${'MB'.padStart(7)}  ${'b1 ms'.padStart(7)}  ${'b8 ms'.padStart(7)}\n`);
for (const r of rows) process.stdout.write(`${name(r.file).padEnd(width)}  ${(r.bytes / 1e6).toFixed(2).padStart(7)}  ${r.batch1_ms.toFixed(1).padStart(7)}  ${r.batch8_ms.toFixed(1).padStart(7)}\n`);
const checks = checkTargets(rows, cpuProfile());
if (checks.length) process.stdout.write(`\n${checks.map(targetLine).join('\n')}\n`);
for (const c of checks) process.stdout.write(`${JSON.stringify({ target_check: c })}\n`);
