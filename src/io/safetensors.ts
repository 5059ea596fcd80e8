/**
 * safetensors reading and writing. Hand-written because the format is a length-prefixed JSON
 * header plus raw little-endian data, and the npm packages for it either pull in a Rust/WASM
 * build or skip the bounds checks a corrupt file needs. Every offset is checked against the file
 * before anything is allocated.
 */

/** F16 and BF16 are held as their raw 16-bit patterns (Uint16Array); `toFloat32` widens them. */
export type StDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I8' | 'U8' | 'U16';

export interface StTensor {
  dtype: StDtype;
  shape: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array | Uint16Array;
}

const BYTES: Record<StDtype, number> = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I8: 1, U8: 1, U16: 2 };
/** Headers beyond this are refused as corrupt; real headers are a few hundred bytes per tensor. */
const MAX_HEADER = 100 * 1024 * 1024;

export function encodeSafetensors(tensors: ReadonlyMap<string, StTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.byteLength;
    const expected = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    if (bytes !== expected) throw new Error(`safetensors: ${name} has ${bytes} bytes, its shape needs ${expected}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keeps the data 8-byte aligned
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

function view(dtype: StDtype, bytes: Uint8Array): StTensor['data'] {
  // Copy into an aligned buffer of its own: a view at an odd offset would throw for multi-byte
  // types (and Buffer.slice would share the whole file's memory).
  const buf = new Uint8Array(bytes).buffer;
  switch (dtype) {
    case 'F32':
      return new Float32Array(buf);
    case 'F64':
      return new Float64Array(buf);
    case 'I64':
      return new BigInt64Array(buf);
    case 'I32':
      return new Int32Array(buf);
    case 'I8':
      return new Int8Array(buf);
    case 'U8':
      return new Uint8Array(buf);
    case 'U16':
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf);
  }
}

/** IEEE half precision bits as a number (subnormals, infinities and NaN included). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** A floating-point tensor's values as float32, as tltc computes; other dtypes are refused. */
export function toFloat32(t: StTensor, name: string): Float32Array {
  switch (t.dtype) {
    case 'F32':
      return t.data as Float32Array;
    case 'F64':
      return Float32Array.from(t.data as Float64Array);
    case 'F16':
      return Float32Array.from(t.data as Uint16Array, halfToNumber);
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = Uint32Array.from(t.data as Uint16Array, (b) => b << 16);
      return new Float32Array(bits.buffer);
    }
    default:
      throw new Error(`tensor ${name} is ${t.dtype}, not a floating-point type`);
  }
}

/** Parses a safetensors file; `file` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, file: string): { tensors: Map<string, StTensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new Error(`${file} is corrupt (${why}): restore it or use another checkpoint`);
  if (bytes.length < 8) throw bad(`only ${bytes.length} bytes`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER || headerLen > bytes.length - 8) throw bad(`header claims ${headerLen} bytes, file has ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch {
    throw bad('header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('header is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, StTensor>();
  let metadata: Record<string, string> = {};
  let covered = 0;
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e.dtype !== 'string' || !(e.dtype in BYTES)) throw bad(`${name} has unsupported dtype ${String(e.dtype)}`);
    const dtype = e.dtype as StDtype;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`${name} has an invalid shape`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0)) throw bad(`${name} has invalid offsets`);
    const [begin, end] = offs as [number, number];
    if (begin > end || end > dataLen) throw bad(`${name} lies outside the file (${begin}..${end} of ${dataLen} data bytes)`);
    const shape = e.shape as number[];
    const need = shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
    if (end - begin !== need) throw bad(`${name} has ${end - begin} bytes, its shape needs ${need}`);
    covered += need;
    tensors.set(name, { dtype, shape, data: view(dtype, bytes.subarray(dataStart + begin, dataStart + end)) });
  }
  if (covered !== dataLen) throw bad(`tensors cover ${covered} of ${dataLen} data bytes`);
  return { tensors, metadata };
}
