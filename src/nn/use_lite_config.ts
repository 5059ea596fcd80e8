/**
 * The Universal Sentence Encoder Lite family: token embeddings plus a sinusoidal timing signal,
 * pre-norm transformer layers (ReLU FFN) whose width may grow between layers (the first layer's
 * residual then goes through a projection), masked mean pooling, a tanh layer and L2
 * normalization. Parameter names are tltc's, weights stored (out, in).
 */
import { z } from 'zod';

export const UseLiteLayerSchema = z.object({
  d_in: z.number().int().positive(),
  d_out: z.number().int().positive(),
  heads: z.number().int().positive(),
  head_dim: z.number().int().positive(),
  ffn: z.number().int().positive(),
  /** The residual goes through a linear d_in -> d_out (when the width changes). */
  residual_projection: z.boolean(),
});

export const UseLiteConfigSchema = z.object({
  family: z.literal('use-lite'),
  vocab_size: z.number().int().positive(),
  /** Tokens beyond this are dropped, as the original model does. */
  max_len: z.number().int().positive(),
  /** sin and cos channels each: the timing signal is 2 x this wide and must equal the embedding width. */
  timing_channels: z.number().int().positive(),
  embedding_dim: z.number().int().positive(),
  layer_norm_eps: z.number().positive(),
  layers: z.array(UseLiteLayerSchema).min(1),
  output_dim: z.number().int().positive(),
});

export type UseLiteConfig = z.infer<typeof UseLiteConfigSchema>;
export type UseLiteLayer = z.infer<typeof UseLiteLayerSchema>;

/** Every parameter's name and (out, in) shape, in a stable order. */
export function useLiteParamShapes(c: UseLiteConfig): [string, number[]][] {
  const shapes: [string, number[]][] = [
    ['embeddings.weight', [c.vocab_size, c.embedding_dim]],
    ['timing.inverse_timescales', [c.timing_channels]],
  ];
  c.layers.forEach((l, i) => {
    const p = `layers.${i}`;
    const q = l.heads * l.head_dim;
    shapes.push([`${p}.attention_norm.weight`, [l.d_in]], [`${p}.attention_norm.bias`, [l.d_in]]);
    for (const t of ['query', 'key', 'value']) shapes.push([`${p}.${t}.weight`, [q, l.d_in]], [`${p}.${t}.bias`, [q]]);
    shapes.push([`${p}.attention_out.weight`, [l.d_out, q]], [`${p}.attention_out.bias`, [l.d_out]]);
    if (l.residual_projection) shapes.push([`${p}.residual.weight`, [l.d_out, l.d_in]], [`${p}.residual.bias`, [l.d_out]]);
    shapes.push([`${p}.ffn_norm.weight`, [l.d_out]], [`${p}.ffn_norm.bias`, [l.d_out]]);
    shapes.push([`${p}.ffn_in.weight`, [l.ffn, l.d_out]], [`${p}.ffn_in.bias`, [l.ffn]], [`${p}.ffn_out.weight`, [l.d_out, l.ffn]], [`${p}.ffn_out.bias`, [l.d_out]]);
  });
  const last = c.layers.at(-1)!.d_out;
  shapes.push(['pooler.weight', [c.output_dim, last]], ['pooler.bias', [c.output_dim]]);
  return shapes;
}
