/**
 * Opening an ONNX model file a user hands back: refused with one line naming the file when it
 * is missing, empty, not ONNX, not a text model, or different from the checksum its folder's
 * manifest (export.json or compress.json) recorded when it was written. A bit flipped inside a
 * weight still parses as ONNX, so only the checksum catches it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { createSession, type RuntimeOptions } from '../runtime/session.ts';

export interface OnnxFileEntry {
  /** Relative to the manifest's folder. */
  file: string;
  bytes: number;
  sha256: string;
}

export const MANIFESTS = ['export.json', 'compress.json'];

export function onnxFileEntry(root: string, file: string, data: Uint8Array): OnnxFileEntry {
  return { file: path.relative(root, file), bytes: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/** The manifest entry of `file`: export.json / compress.json in its folder or up to two above it (early-exit blocks sit in onnx/<model>.exits/). */
function manifestEntry(file: string): { manifest: string; entry: OnnxFileEntry } | undefined {
  const folder = path.dirname(file);
  for (const root of [folder, path.dirname(folder), path.dirname(path.dirname(folder))]) {
    for (const name of MANIFESTS) {
      const manifest = path.join(root, name);
      if (!existsSync(manifest)) continue;
      let parsed: { files?: unknown; onnx_files?: unknown; exit_files?: unknown };
      try {
        parsed = JSON.parse(readFileSync(manifest, 'utf8'));
      } catch {
        throw new Error(`${manifest} is not valid JSON: the folder is damaged; export or compress again`);
      }
      const list = [parsed.files, parsed.onnx_files, parsed.exit_files].filter(Array.isArray).flat() as Partial<OnnxFileEntry>[];
      const entry = list.find((e) => typeof e.file === 'string' && path.resolve(root, e.file) === path.resolve(file));
      if (entry && typeof entry.sha256 === 'string' && typeof entry.bytes === 'number') return { manifest, entry: entry as OnnxFileEntry };
    }
  }
  return undefined;
}

export interface OpenedOnnx {
  session: InferenceSession;
  bytes: number;
  /** Whether a manifest's checksum confirmed the file. */
  verified: boolean;
}

/** Opens an exported text model (inputs input_ids and attention_mask, or `inputs`; output `output`, default logits). */
export async function openOnnxFile(file: string, options: RuntimeOptions & { output?: string; inputs?: readonly string[] } = {}): Promise<OpenedOnnx> {
  if (!existsSync(file)) throw new Error(`${file} does not exist: pass an .onnx file written by tltc export or tltc compress`);
  if (!statSync(file).isFile()) throw new Error(`${file} is not a file: pass an .onnx file`);
  const data = readFileSync(file);
  if (data.length === 0) throw new Error(`${file} is empty (zero bytes): export it again`);
  const found = manifestEntry(file);
  if (found) {
    const actual = onnxFileEntry(path.dirname(found.manifest), file, data);
    if (actual.bytes !== found.entry.bytes || actual.sha256 !== found.entry.sha256) {
      throw new Error(`${file} does not match the checksum in ${found.manifest} (${actual.bytes} bytes, ${found.entry.bytes} recorded): it is corrupt or was changed; export it again`);
    }
  }
  let session: InferenceSession;
  try {
    session = await createSession(data, options);
  } catch (err) {
    throw new Error(`${file} is not a valid ONNX model (${(err as Error).message.replace(/^onnxruntime rejected the graph: /, '').split('\n')[0].slice(0, 200)})`, { cause: err });
  }
  const output = options.output ?? 'logits';
  const missing = [...(options.inputs ?? ['input_ids', 'attention_mask']).filter((n) => !session.inputNames.includes(n)), ...(session.outputNames.includes(output) ? [] : [output])];
  if (missing.length > 0) {
    await session.release();
    throw new Error(`${file} has no ${missing.join(', ')} (inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')}): pass a text model exported by tltc`);
  }
  return { session, bytes: data.length, verified: found !== undefined };
}
