import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSafetensors, encodeSafetensors, toFloat32, type StTensor } from '../../src/io/safetensors.ts';

const tensors = new Map<string, StTensor>([
  ['a.weight', { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
  ['b', { dtype: 'I64', shape: [2], data: BigInt64Array.from([7n, -8n]) }],
]);

describe('safetensors', () => {
  const bytes = encodeSafetensors(tensors, { format: 'pt' });

  it('round-trips tensors and metadata', () => {
    const { tensors: back, metadata } = decodeSafetensors(bytes, 'x.safetensors');
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(Array.from(back.get('a.weight')!.data as Float32Array), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(back.get('a.weight')!.shape, [2, 3]);
    assert.deepEqual(Array.from(back.get('b')!.data as BigInt64Array), [7n, -8n]);
  });

  it('refuses truncated, empty and tampered files naming the file', () => {
    assert.throws(() => decodeSafetensors(bytes.subarray(0, bytes.length - 3), 'm.safetensors'), /m.safetensors is corrupt/);
    assert.throws(() => decodeSafetensors(new Uint8Array(0), 'm.safetensors'), /m.safetensors is corrupt \(only 0 bytes\)/);
    const absurd = bytes.slice();
    new DataView(absurd.buffer).setBigUint64(0, 1n << 50n, true);
    assert.throws(() => decodeSafetensors(absurd, 'm.safetensors'), /header claims/);
    const garbled = bytes.slice();
    garbled[10] = 0xff;
    assert.throws(() => decodeSafetensors(garbled, 'm.safetensors'), /m.safetensors is corrupt/);
  });

  it('refuses offsets outside the file', () => {
    const header = JSON.stringify({ t: { dtype: 'F32', shape: [1000000], data_offsets: [0, 4000000] } });
    const h = new TextEncoder().encode(header);
    const buf = new Uint8Array(8 + h.length + 16);
    new DataView(buf.buffer).setBigUint64(0, BigInt(h.length), true);
    buf.set(h, 8);
    assert.throws(() => decodeSafetensors(buf, 'big.safetensors'), /lies outside the file/);
  });

  it('widens F16 and BF16 to float32 exactly, subnormals and infinities included', () => {
    // Half bits: 1.0, -2.5, 65504 (max), 2^-24 (smallest subnormal), -inf; bfloat16 bits: 1.0, -3.140625.
    const half: StTensor = { dtype: 'F16', shape: [5], data: Uint16Array.from([0x3c00, 0xc100, 0x7bff, 0x0001, 0xfc00]) };
    const bf16: StTensor = { dtype: 'BF16', shape: [2], data: Uint16Array.from([0x3f80, 0xc049]) };
    const back = decodeSafetensors(encodeSafetensors(new Map([['h', half], ['b', bf16]])), 'half.safetensors').tensors;
    assert.deepEqual(Array.from(toFloat32(back.get('h')!, 'h')), [1, -2.5, 65504, 2 ** -24, -Infinity]);
    assert.deepEqual(Array.from(toFloat32(back.get('b')!, 'b')), [1, -3.140625]);
    assert.throws(() => toFloat32(tensors.get('b')!, 'b'), /b is I64, not a floating-point type/);
  });
});
