/** Model configuration: validated at the boundary, with the shorthand names of DESIGN §2. */
import { z } from 'zod';
import { formatZodError } from '../util/zod_error.ts';

export const ModelConfigSchema = z
  .object({
    vocab_size: z.number().int().min(8).max(65535), // token ids are stored as uint16
    max_len: z.number().int().min(8).max(4096),
    d_model: z.number().int().min(8).max(8192),
    n_layers: z.number().int().min(1).max(96),
    n_heads: z.number().int().min(1).max(128),
    d_ff: z.number().int().min(1).max(65536),
    dropout: z.number().min(0).max(0.9).default(0.1),
    activation: z.literal('gelu').default('gelu'),
    // 'pre': x + f(LN(x)) with a final LN (RoBERTa-PreLayerNorm); 'post': LN(x + f(x)) (RoBERTa, BERT).
    norm: z.enum(['pre', 'post']).default('pre'),
    // LayerNorm on the summed embeddings, as every Hugging Face RoBERTa and BERT has.
    embedding_norm: z.boolean().default(true),
    tie_embeddings: z.literal(true).default(true),
    layer_norm_eps: z.number().positive().max(0.1).default(1e-5),
    init_std: z.number().positive().max(1).default(0.02),
    // The classification head's input: 'first' token (RoBERTa's head; the default when absent) or
    // the 'mean' of the unpadded tokens' hidden states.
    pooling: z.enum(['first', 'mean']).optional(),
    // Per-layer sizes after structured pruning; absent means n_heads and d_ff in every layer.
    layer_heads: z.array(z.number().int().min(1)).optional(),
    layer_ffn: z.array(z.number().int().min(1)).optional(),
    // Switch Transformer FFNs (nn/switch_ffn.ts): every layer's FFN becomes n_experts FFNs of d_ff
    // with top-1 routing; each expert takes at most capacity_factor * tokens / n_experts tokens
    // of a batch, and load_balance_weight scales the load-balancing loss added to training.
    n_experts: z.number().int().min(2).max(256).optional(),
    capacity_factor: z.number().gt(0).max(64).optional(),
    load_balance_weight: z.number().min(0).max(1).optional(),
    // Prompt tuning (nn/encoder.ts classifierLogits): a classifier reads prompt_length learned
    // vectors before each sequence's tokens; absent: none.
    prompt_length: z.number().int().min(1).max(4096).optional(),
    // Early exit (nn/early_exit.ts): a classifier head after every layer, trained jointly, so a
    // sequence can leave at the first confident layer; absent: the last layer's head only.
    exit_heads: z.boolean().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.d_model % c.n_heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['n_heads'], message: `n_heads ${c.n_heads} must divide d_model ${c.d_model}` });
    }
    for (const [key, most] of [['layer_heads', c.n_heads], ['layer_ffn', c.d_ff]] as const) {
      const sizes = c[key];
      if (!sizes) continue;
      if (sizes.length !== c.n_layers) ctx.addIssue({ code: 'custom', path: [key], message: `has ${sizes.length} entries for ${c.n_layers} layers` });
      const i = sizes.findIndex((n) => n > most);
      if (i >= 0) ctx.addIssue({ code: 'custom', path: [key, i], message: `${sizes[i]} is more than the ${most} of an unpruned layer` });
    }
    if (c.n_experts === undefined && (c.capacity_factor !== undefined || c.load_balance_weight !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['n_experts'], message: 'is needed for capacity_factor and load_balance_weight (a Switch model, e.g. L4-H256-E8)' });
    }
    if (c.prompt_length !== undefined && c.prompt_length > c.max_len) {
      ctx.addIssue({ code: 'custom', path: ['prompt_length'], message: `${c.prompt_length} is longer than the model's sequences of ${c.max_len} tokens: use a prompt of at most ${c.max_len}` });
    }
    if (c.exit_heads && c.prompt_length !== undefined) ctx.addIssue({ code: 'custom', path: ['exit_heads'], message: 'early exit does not combine with a soft prompt: fine-tune one or the other' });
    if (c.n_experts !== undefined && c.layer_ffn) ctx.addIssue({ code: 'custom', path: ['layer_ffn'], message: 'structured FFN pruning does not apply to Switch expert layers' });
  });

export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type Pooling = NonNullable<ModelConfig['pooling']>;

/** Width of one attention head; structured pruning removes heads but keeps this. */
export const headDim = (c: ModelConfig) => c.d_model / c.n_heads;
/** Attention heads of layer i. */
export const layerHeads = (c: ModelConfig, i: number) => c.layer_heads?.[i] ?? c.n_heads;
/** FFN inner width of layer i. */
export const layerFfn = (c: ModelConfig, i: number) => c.layer_ffn?.[i] ?? c.d_ff;

/** Switch routing of a model with experts (Fedus et al. 2021's defaults), or undefined for a dense FFN. */
export function expertRouting(c: ModelConfig): { experts: number; capacityFactor: number; balanceWeight: number } | undefined {
  if (c.n_experts === undefined) return undefined;
  return { experts: c.n_experts, capacityFactor: c.capacity_factor ?? 1.25, balanceWeight: c.load_balance_weight ?? 0.01 };
}

/** RoBERTa numbers positions from padding_idx + 1 = 2; tltc keeps that layout for HF interop. */
export const POSITION_OFFSET = 2;

/** Heads when a config does not say: one per 64 features of d_model (head size 64), at least one. */
export function defaultHeads(dModel: number): number {
  return Math.max(1, Math.floor(dModel / 64));
}

/**
 * Parses `L{layers}-H{d_model}` (e.g. L4-H256), optionally `-A{heads}`, `-F{d_ff}` and
 * `-E{experts}` (Switch FFNs): heads = d_model / 64 (at least 1) and d_ff = 4 d_model unless given.
 */
export function parseModelName(name: string, base: { vocab_size: number; max_len: number; dropout?: number }): ModelConfig {
  const m = /^L(\d+)-H(\d+)(?:-A(\d+))?(?:-F(\d+))?(?:-E(\d+))?$/.exec(name);
  if (!m) throw new Error(`model name "${name}" is not of the form L{layers}-H{width}, e.g. L4-H256 (or L4-H256-E8 with Switch experts)`);
  const d = Number(m[2]);
  const raw = {
    ...base,
    n_layers: Number(m[1]),
    d_model: d,
    n_heads: m[3] ? Number(m[3]) : defaultHeads(d),
    d_ff: m[4] ? Number(m[4]) : 4 * d,
    ...(m[5] ? { n_experts: Number(m[5]) } : {}),
  };
  return validateModelConfig(raw, `model ${name}`);
}

export function modelName(c: ModelConfig): string {
  return `L${c.n_layers}-H${c.d_model}${c.n_experts ? `-E${c.n_experts}` : ''}`;
}

export function validateModelConfig(raw: unknown, where: string): ModelConfig {
  const r = ModelConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: ${formatZodError(r.error)}`);
  return r.data;
}
