/** The benchmark spec schema of ../shared/bench/*.json, accepted exactly. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatZodError } from '../util/zod_error.ts';

export const BenchSpecSchema = z
  .object({
    name: z.string().min(1),
    about: z.string().optional(),
    model: z
      .object({
        vocab_size: z.number().int(),
        max_len: z.number().int(),
        d_model: z.number().int(),
        n_layers: z.number().int(),
        n_heads: z.number().int(),
        d_ff: z.number().int(),
        activation: z.literal('gelu'),
        norm: z.literal('pre'),
        tie_embeddings: z.literal(true),
        dropout: z.number(),
      })
      .strict(),
    batch: z
      .object({
        batch_size: z.number().int().min(1),
        seq_len: z.number().int().min(8),
        mask_prob: z.number().gt(0).lt(1),
        loss_on: z.string(),
      })
      .strict(),
    optimizer: z
      .object({
        name: z.literal('adamw'),
        lr: z.number().gt(0),
        betas: z.tuple([z.number(), z.number()]),
        eps: z.number().gt(0),
        weight_decay: z.number().min(0),
      })
      .strict(),
    threads: z.number().int().min(1),
    report: z.array(z.string()).optional(),
  })
  .strict();

export type BenchSpec = z.infer<typeof BenchSpecSchema>;

export function readBenchSpec(file: string): BenchSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(e.code ? `bench spec ${file} cannot be read: check the path` : `bench spec ${file} is not valid JSON`, { cause: err });
  }
  const r = BenchSpecSchema.safeParse(raw);
  if (!r.success) throw new Error(`bench spec ${file}: ${formatZodError(r.error)}`);
  return r.data;
}
