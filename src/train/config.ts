/** The training configuration file (JSON), validated with zod; every field has a commented default. */
import { z } from 'zod';
import { defaultHeads, parseModelName, validateModelConfig, type ModelConfig } from '../nn/config.ts';
import { readJsonFile } from '../util/json_file.ts';
import { formatZodError } from '../util/zod_error.ts';
import { parseBudget } from './budget.ts';
import type { OptimizerConfig } from './optimizer.ts';

const ModelSection = z
  .object({
    n_layers: z.number().int(),
    d_model: z.number().int(),
    n_heads: z.number().int().optional(), // default d_model / 64
    d_ff: z.number().int().optional(), // default 4 * d_model
    dropout: z.number().optional(), // default 0.1
    layer_norm_eps: z.number().optional(),
    init_std: z.number().optional(),
    norm: z.enum(['pre', 'post']).optional(), // default pre
    embedding_norm: z.boolean().optional(), // default true
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    /** "L4-H256" or the fields of nn/config.ts (vocab_size and max_len come from `data`). */
    model: z.union([z.string(), ModelSection]),
    data: z
      .object({
        corpus: z.string().min(1).default('default'), // "default" or a .txt file / folder of .txt files
        vocab_size: z.number().int().min(261).max(65535).default(8192),
        seq_len: z.number().int().min(8).max(4096).default(128),
        mask_prob: z.number().gt(0).lt(1).default(0.15),
      })
      .strict()
      .default({ corpus: 'default', vocab_size: 8192, seq_len: 128, mask_prob: 0.15 }),
    batch_size: z.number().int().min(1).max(4096).default(32),
    optimizer: z
      .object({
        lr: z.number().gt(0).finite().default(1e-3),
        betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.98]),
        eps: z.number().gt(0).default(1e-6),
        weight_decay: z.number().min(0).max(1).default(0.01),
        clip_norm: z.number().min(0).default(1.0), // 0 disables clipping
        warmup_steps: z.number().int().min(0).default(100),
        schedule: z.enum(['linear', 'cosine', 'constant']).default('linear'),
        min_lr_ratio: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({ lr: 1e-3, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, warmup_steps: 100, schedule: 'linear', min_lr_ratio: 0.1 }),
    budget: z.string().default('10m'), // 90s, 10m, 2000steps, 5e6tokens
    eval: z
      .object({
        interval_s: z.number().gt(0).default(60), // training seconds between evaluations and checkpoints
        sequences: z.number().int().min(1).default(128), // size of the fixed validation set
      })
      .strict()
      .default({ interval_s: 60, sequences: 128 }),
    keep_checkpoints: z.number().int().min(1).default(2),
    seed: z.number().int().min(0).default(0),
    threads: z.number().int().min(1).max(256).optional(), // default: available cores
  })
  .strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export function parseTrainConfig(raw: unknown, where: string): TrainConfig {
  const r = TrainConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: ${formatZodError(r.error)}`);
  try {
    parseBudget(r.data.budget); // a bad budget or an impossible model shape fails here, not after data preparation
    resolveModel(r.data);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
  return r.data;
}

export function readTrainConfig(file: string): TrainConfig {
  return parseTrainConfig(readJsonFile(file, { what: 'config' }), `config ${file}`);
}

export function resolveModel(cfg: TrainConfig): ModelConfig {
  const base = { vocab_size: cfg.data.vocab_size, max_len: cfg.data.seq_len };
  if (typeof cfg.model === 'string') return parseModelName(cfg.model, base);
  const m = cfg.model;
  return validateModelConfig(
    { ...base, ...m, n_heads: m.n_heads ?? defaultHeads(m.d_model), d_ff: m.d_ff ?? 4 * m.d_model },
    'model',
  );
}

export function optimizerConfig(cfg: TrainConfig): OptimizerConfig {
  return { ...cfg.optimizer, betas: [cfg.optimizer.betas[0], cfg.optimizer.betas[1]] };
}
