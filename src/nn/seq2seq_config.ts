/**
 * Encoder-decoder (translation) model configuration, validated at the boundary, with the
 * shorthand `E{encoder layers}-D{decoder layers}-H{width}` (e.g. E3-D3-H256), optionally
 * `-A{heads}` and `-F{d_ff}` as the encoder names take them.
 */
import { z } from 'zod';
import { formatZodError } from '../util/zod_error.ts';
import { defaultHeads } from './config.ts';

export const Seq2SeqConfigSchema = z
  .object({
    vocab_size: z.number().int().min(8).max(65535), // token ids are stored as uint16
    // Longest source or target sequence, in tokens, specials included: the position tables' size.
    max_len: z.number().int().min(8).max(4096),
    d_model: z.number().int().min(8).max(8192),
    encoder_layers: z.number().int().min(1).max(96),
    decoder_layers: z.number().int().min(1).max(96),
    n_heads: z.number().int().min(1).max(128),
    d_ff: z.number().int().min(1).max(65536),
    dropout: z.number().min(0).max(0.9).default(0.1),
    // Share of the target distribution spread uniformly over the vocabulary (Szegedy et al. 2016;
    // 0.1 in Vaswani et al. 2017 and in Li et al. 2020's translation runs).
    label_smoothing: z.number().min(0).max(0.5).default(0.1),
    layer_norm_eps: z.number().positive().max(0.1).default(1e-5),
    init_std: z.number().positive().max(1).default(0.02),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.d_model % c.n_heads !== 0) ctx.addIssue({ code: 'custom', path: ['n_heads'], message: `n_heads ${c.n_heads} must divide d_model ${c.d_model}` });
  });

export type Seq2SeqConfig = z.infer<typeof Seq2SeqConfigSchema>;

const NAME = /^E(\d+)-D(\d+)-H(\d+)(?:-A(\d+))?(?:-F(\d+))?$/;

/** True for names of the encoder-decoder form, so `--model` can route to the right family. */
export const isSeq2SeqName = (name: string) => NAME.test(name);

/** Parses `E3-D3-H256`: heads = width / 64 (at least 1) and d_ff = 4 width unless given. */
export function parseSeq2SeqName(name: string, base: { vocab_size: number; max_len: number; dropout?: number; label_smoothing?: number }): Seq2SeqConfig {
  const m = NAME.exec(name);
  if (!m) throw new Error(`model name "${name}" is not of the form E{encoder layers}-D{decoder layers}-H{width}, e.g. E3-D3-H256: a translation model needs a decoder`);
  const d = Number(m[3]);
  const raw = { ...base, encoder_layers: Number(m[1]), decoder_layers: Number(m[2]), d_model: d, n_heads: m[4] ? Number(m[4]) : defaultHeads(d), d_ff: m[5] ? Number(m[5]) : 4 * d };
  return validateSeq2SeqConfig(raw, `model ${name}`);
}

export function seq2seqName(c: Seq2SeqConfig): string {
  return `E${c.encoder_layers}-D${c.decoder_layers}-H${c.d_model}`;
}

export function validateSeq2SeqConfig(raw: unknown, where: string): Seq2SeqConfig {
  const r = Seq2SeqConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: ${formatZodError(r.error)}`);
  return r.data;
}
