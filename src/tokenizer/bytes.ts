/**
 * GPT-2's reversible byte <-> unicode mapping: every byte becomes a printable character, so BPE
 * symbols are plain strings and the vocabulary serializes to Hugging Face tokenizer.json as is.
 */
function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

const encoder = new TextEncoder();

/** The byte-level string of a piece of text: one mapped character per UTF-8 byte. */
export function toByteString(text: string): string {
  let out = '';
  for (const b of encoder.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** Inverse of toByteString; invalid UTF-8 (a token split mid-character) decodes with U+FFFD. */
export function fromByteString(s: string): string {
  const bytes = new Uint8Array(s.length);
  let n = 0;
  for (const ch of s) bytes[n++] = CHAR_TO_BYTE.get(ch) ?? 0x3f;
  return new TextDecoder().decode(bytes.subarray(0, n));
}

/** GPT-2 / RoBERTa pre-tokenization: the same pattern Hugging Face's ByteLevel pre-tokenizer uses. */
export const PRETOKENIZE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
