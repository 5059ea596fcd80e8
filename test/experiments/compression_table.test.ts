import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compressionTable, hasCompressionGrid } from '../../src/experiments/compression_table.ts';
import { markdownTable } from '../../src/experiments/markdown_report.ts';
import { tmpDir } from '../helpers/cli.ts';

function write(root: string, name: string, accuracy: number, fp32: number, bytes: number, extra: Record<string, unknown> = {}) {
  mkdirSync(path.join(root, name), { recursive: true });
  const file = {
    ...{ task: 'spam', model: 'L2-H128', method: 'x', accuracy, fp32_accuracy: fp32, examples: 600, sparsity: 0, bytes, fp32_bytes: 6e6, threads: 2, onnx: `onnx/${name}.onnx` },
    checkpoint: `/runs/finetuned-${name.slice(name.lastIndexOf('-') + 1)}/checkpoints/step-00000300`,
    ...{ latency_ms: { batch1: 2, batch8: 10 }, fp32_latency_ms: { batch1: 2, batch8: 20 }, quantization: { format: { kind: 'bcq' }, qat: false, embeddings: 'quantized' } },
    baselines: { majority: { accuracy: 0.67 }, bag_of_words: { accuracy: 0.98 } },
    ...extra,
  };
  writeFileSync(path.join(root, name, 'compress.json'), JSON.stringify(file));
}

describe('compression grid table', () => {
  const root = tmpDir();
  const fp32 = [0.94, 0.95, 0.93];
  // small: 0.5 MB, clearly worse than the reference; mid: 0.8 MB, as good; big: 1 MB, worse than mid beyond noise.
  fp32.forEach((f, s) => {
    write(root, `small-s${s}`, f - 0.1 + 0.002 * s, f, 0.5e6);
    write(root, `mid-s${s}`, f - 0.001 * (s - 1), f, 0.8e6, { recovery: { steps: 300 }, quantization: { format: { kind: 'nm' }, qat: true, embeddings: 'quantized' }, sparsity: 0.5 });
    write(root, `big-s${s}`, f - 0.05 + 0.001 * s, f, 1e6, { sparse_bytes: 0.7e6 });
  });

  it('sorts arms by bytes, pairs each with its uncompressed model, and names a smaller arm that beats it beyond the noise', () => {
    assert.ok(hasCompressionGrid(root));
    const lines = compressionTable(root).split('\n');
    const row = (arm: string) => lines.find((l) => l.startsWith(`| ${arm} |`))!.split(' | ');
    assert.deepEqual(
      lines.slice(2, 5).map((l) => l.split(' | ')[0]),
      ['| small', '| mid', '| big'],
    );
    assert.match(row('small')[7], /^-9\.8 ± 0\.2$/);
    assert.equal(row('small')[8], '-');
    assert.match(row('mid')[7], /\(no difference\)/);
    assert.equal(row('mid')[2], '300 steps, QAT');
    assert.match(row('big')[8], /^mid \(0\.800 MB, \+4\.\d\)$/);
    assert.equal(row('big')[5], '0.700');
    assert.match(row('big')[9], /10\.0 \(0\.50x\)/);
    assert.match(compressionTable(root), /uncompressed fp32 finetuned \(L2-H128\): 94\.0% ± 1\.0 \(3\), 6\.000 MB;/);
    assert.equal(markdownTable(root), compressionTable(root));
  });

  it('with control arms of two sizes: each arm against its control, paired by seed, and each level across sizes against the smaller one', () => {
    const grid = tmpDir();
    const arm = (size: string, level: string, seed: number, accuracy: number, bytes: number, fp32Bytes: number) =>
      write(grid, `${size}-${level}-s${seed}`, accuracy, 0.9, bytes, { checkpoint: `/runs/finetuned/${size}-s${seed}/checkpoints/step-00000300`, fp32_bytes: fp32Bytes });
    for (const s of [0, 1, 2]) {
      arm('L2-H128', 'fp32-recover', s, 0.95 + 0.01 * s, 6e6, 6e6);
      arm('L2-H128', 'q2', s, 0.9 + 0.01 * s, 0.6e6, 6e6); // 5 points below its control on every seed
      arm('L2-H128', 'int8', s, 0.95 + 0.01 * s + (s - 1) * 0.001, 1.7e6, 6e6); // within the noise of its control
      arm('L2-H192', 'fp32-recover', s, 0.96, 11e6, 11e6);
      arm('L2-H192', 'q2', s, 0.95 - 0.001 * s, 1.1e6, 11e6); // 1 point below its control, about
      arm('L2-H192', 'p50', s, 0.96, 11e6, 11e6); // a level the smaller size lacks: no row
    }
    const [table, bySize] = compressionTable(grid).split('\n\n');
    const row = (name: string) => table.split('\n').find((l) => l.startsWith(`| ${name} |`))!.split(' | ');
    const header = table.split('\n')[0].split(' | ');
    const control = header.indexOf('− control (points)');
    assert.equal(header[control - 1], '− uncompressed (points)');
    assert.equal(row('L2-H128-q2')[control], '-5.0 ± 0.0');
    assert.equal(row('L2-H128-int8')[control], '0.0 ± 0.1 (no difference)');
    assert.equal(row('L2-H128-fp32-recover')[control], '(control)');
    assert.deepEqual(bySize.split('\n'), [
      '| level | L2-H128 − its control (points) | L2-H192 − its control (points) | L2-H192 against L2-H128 |',
      '| --- | --- | --- | --- |',
      '| q2 | -5.0 ± 0.0 | -1.1 ± 0.1 | 3.9 (threshold 0.1): loses less |',
    ]);
  });
});
