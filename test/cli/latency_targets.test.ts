import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTargets, targetLine } from '../../src/bench/latency_targets.ts';
import { cpuProfileOf } from '../../src/util/cpu.ts';

const cpuinfo = (flags: string) => `processor\t: 0\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 ${flags}\n`;
const rows = [
  { file: 'a/onnx/model.onnx', batch8_ms: 30 },
  { file: 'a/onnx/model_quantized.onnx', batch8_ms: 10 },
  { file: 'a/onnx/model_q4.onnx', batch8_ms: 25 },
  { file: 'b/onnx/model_quantized.onnx', batch8_ms: 5 },
];

describe('CPU profile and the int8 / 4-bit speed targets', () => {
  it('reads the flags that matter and the best int8 path', () => {
    assert.deepEqual(cpuProfileOf(cpuinfo('avx2 fma'), 2), { model: 'Test CPU', cores: 2, flags: ['avx2', 'fma'], isa: 'avx2' });
    assert.equal(cpuProfileOf(cpuinfo('avx2 avx512f avx512bw avx512_vnni'), 2).isa, 'avx512-vnni');
    assert.equal(cpuProfileOf(cpuinfo('avx2 avx_vnni'), 2).isa, 'avx-vnni');
    assert.equal(cpuProfileOf(cpuinfo('avx2 avx512f avx512bw'), 2).isa, 'avx512');
  });

  it('checks each file against its folder\'s fp32 file on VNNI, and only records elsewhere', () => {
    const vnni = checkTargets(rows, cpuProfileOf(cpuinfo('avx2 avx512_vnni'), 2));
    assert.deepEqual(vnni.map((c) => [c.file, c.speedup, c.target, c.met]), [
      ['a/onnx/model_quantized.onnx', 3, 2.5, true],
      ['a/onnx/model_q4.onnx', 1.2, 1.5, false],
    ], 'b has no fp32 file to compare with');
    assert.match(targetLine(vnni[1]), /model_q4\.onnx: 1\.20x fp32 at batch 8 — MISSES the 1\.5x target \(avx512-vnni\)/);
    const avx2 = checkTargets(rows, cpuProfileOf(cpuinfo('avx2 fma'), 2));
    assert.deepEqual(avx2.map((c) => c.met), [null, null]);
    assert.match(targetLine(avx2[0]), /target 2\.5x applies on VNNI hosts; this one is avx2: recorded, not checked/);
  });
});
