/** The training configuration file (JSON), validated with zod; every field has a commented default. */
import { z } from 'zod';
import { defaultHeads, parseModelName, validateModelConfig, type ModelConfig } from '../nn/config.ts';
import { isSeq2SeqName, parseSeq2SeqName, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { TRANSLATION_TASKS, translationTaskModules } from '../data/translation_corpus.ts';
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
    dropout: z.number().optional(), // default 0: a short pretraining run sees a fraction of an epoch
    layer_norm_eps: z.number().optional(),
    init_std: z.number().optional(),
    norm: z.enum(['pre', 'post']).optional(), // default pre
    embedding_norm: z.boolean().optional(), // default true
    n_experts: z.number().int().optional(), // Switch FFNs (nn/switch_ffn.ts); absent: dense
    capacity_factor: z.number().optional(), // default 1.25
    load_balance_weight: z.number().optional(), // default 0.01
  })
  .strict();

/**
 * EarlyBERT (train/earlybert.ts, and tltc finetune --method earlybert): a search stage with
 * slimming coefficients under an L1 penalty, masks drawn every draw_every steps until successive
 * masks stay within `threshold` (normalized Hamming distance) for `window` draws or max_search of
 * the budget is used; then the heads and neurons the masks remove are removed and the smaller
 * model trains on.
 */
export const EarlyBertSchema = z
  .object({
    lambda: z.number().min(0).default(1e-4),
    head_ratio: z.number().min(0).lt(1).default(1 / 3), // heads removed per layer
    ffn_ratio: z.number().min(0).lt(1).default(0.4), // FFN neurons removed across layers
    draw_every: z.number().int().min(1).default(20),
    threshold: z.number().gt(0).max(1).default(0.1),
    window: z.number().int().min(1).default(5),
    max_search: z.number().gt(0).max(1).default(0.5),
    // 'keep' continues from the weights at the early-bird point (coefficients folded in);
    // 'rewind' restarts the ticket from the run's initial weights.
    weights: z.enum(['keep', 'rewind']).default('keep'),
    // 'random' keeps as many heads and neurons per layer as the early-bird ticket, at random: the control.
    ticket: z.enum(['earlybird', 'random']).default('earlybird'),
  })
  .strict();

/**
 * Pretraining distillation (nn/distill.ts, tltc distill): the student learns from a trained
 * masked-LM teacher's outputs on its own batches; the teacher's training time is charged in
 * summary.json beside the student's.
 */
export const DistillSchema = z
  .object({
    teacher: z.string().min(1), // a tltc train run folder (its newest checkpoint) or a checkpoint folder, on this run's corpus and vocabulary
    alpha: z.number().min(0).max(1).default(0.5), // weight of the soft loss; the hard MLM loss gets 1 - alpha
    temperature: z.number().gt(0).max(100).default(2),
    hidden_weight: z.number().min(0).default(0), // TinyBERT-style hidden-state matching through learned projections
    attention_weight: z.number().min(0).default(0), // MiniLM-style KL of the last layers' attention distributions
    // 'logits': the losses above for the whole budget. 'layerwise' (Go Wide, Then Narrow): for the
    // first `imitation` share of the budget the student imitates the teacher's hidden states layer
    // by layer, bottom-up (stage l of L adds layer l's pair), then trains on the masked-LM loss alone.
    method: z.enum(['logits', 'layerwise']).default('logits'),
    imitation: z.number().gt(0).lt(1).default(0.3),
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    /** "L4-H256" or the fields of nn/config.ts (vocab_size and max_len come from `data`); "E3-D3-H256" with a translation task. */
    model: z.union([z.string(), ModelSection]),
    // A translation task ("translate-en-es", "translate-es-en") trains an encoder-decoder on its
    // sentence pairs, data.seq_len tokens per side at most; absent: masked-LM pretraining on data.corpus.
    task: z.string().optional(),
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
        // Peak learning rate; default by model width (peakLearningRate below).
        lr: z.number().gt(0).finite().optional(),
        betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.98]),
        eps: z.number().gt(0).default(1e-6),
        weight_decay: z.number().min(0).max(1).default(0.01),
        clip_norm: z.number().min(0).default(1.0), // 0 disables clipping
        // Warm-up as a share of the budget in the budget's own unit ("5%") or a step count (200);
        // warmup_steps is the older spelling of a step count. Default "5%".
        warmup: z.union([z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage such as "5%", or a step count'), z.number().int().min(0)]).optional(),
        warmup_steps: z.number().int().min(0).optional(),
        schedule: z.enum(['linear', 'cosine', 'constant']).default('linear'),
        min_lr_ratio: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .default({ betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, schedule: 'linear', min_lr_ratio: 0.1 }),
    budget: z.string().default('10m'), // 90s, 10m, 2000steps, 5e6tokens
    eval: z
      .object({
        // Evaluations (each with a checkpoint) spread evenly over the budget, in its own unit, but
        // at most max_interval_s training seconds apart; interval_s instead fixes the seconds between them.
        evaluations: z.number().int().min(1).max(1000).default(15),
        max_interval_s: z.number().gt(0).default(60),
        interval_s: z.number().gt(0).optional(),
        sequences: z.number().int().min(1).default(128), // size of the fixed validation set
        // Ends training at the first evaluation whose validation perplexity is at or below this
        // (sizes pretrained to matched quality); the budget is then an upper bound.
        stop_at_ppl: z.number().gt(1).finite().optional(),
        // Keeps a copy of the checkpoint of the first evaluation at or below each of these
        // perplexities (kept/ppl-<target>/), so one run yields snapshots at matched qualities.
        keep_at_ppl: z.array(z.number().gt(1).finite()).optional(),
      })
      .strict()
      .default({ evaluations: 15, max_interval_s: 60, sequences: 128 }),
    init: z
      .object({
        // 'unigram': the MLM output bias at the log frequencies of the training tokens and the
        // initial embeddings scaled down by width (train/unigram_start.ts), so step 0 predicts
        // nearly the unigram distribution; 'zeros': zero bias, unscaled (uniform over the vocabulary).
        output_bias: z.enum(['unigram', 'zeros']).default('unigram'),
        // With the unigram start: the MLM head norm's starting scale, and a factor on the word and
        // position embeddings' initial values (train/unigram_start.ts has the defaults).
        head_norm_scale: z.number().gt(0).max(10).optional(),
        embedding_scale: z.number().gt(0).max(10).optional(),
      })
      .strict()
      .default({ output_bias: 'unigram' }),
    // Sparse training of the encoder's linear weights (train/rigl.ts): from step 0, 'rigl' changes
    // the masks by drop-and-grow and 'static' keeps the first random ones; 'gradual' starts dense
    // and prunes by magnitude on the cubic schedule. Absent: dense.
    sparse: z
      .object({
        method: z.enum(['rigl', 'static', 'gradual']),
        sparsity: z.number().min(0).lt(1), // share of the sparse weights pruned, e.g. 0.8
        distribution: z.enum(['erk', 'uniform']).default('erk'),
        delta_t: z.number().int().min(1).default(100), // steps between RigL's mask updates
        drop_fraction: z.number().gt(0).lt(1).default(0.3), // share of active weights dropped at the first update, cosine-decayed
        end: z.number().gt(0).max(1).default(0.75), // share of the budget after which the masks stay fixed
      })
      .strict()
      .optional(),
    earlybert: EarlyBertSchema.optional(),
    distill: DistillSchema.optional(),
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
    parseBudget(r.data.budget); // a bad budget, warm-up or model shape fails here, not after data preparation
    const warmup = resolveWarmup(r.data.optimizer);
    if ('fraction' in warmup && warmup.fraction >= 1) throw new Error(`optimizer.warmup ${r.data.optimizer.warmup} must be under 100% of the budget`);
    const experts = r.data.task === undefined ? resolveModel(r.data).n_experts : (resolveSeq2SeqModel(r.data), undefined);
    if (experts !== undefined && (r.data.earlybert || r.data.sparse)) throw new Error(`${r.data.earlybert ? 'earlybert' : `sparse training (${r.data.sparse!.method})`} does not handle Switch expert layers: train a dense model with it, or leave the method out`);
    if (r.data.earlybert && r.data.sparse) throw new Error('earlybert and sparse training are separate methods: configure one of them');
    if (r.data.distill && (r.data.earlybert || r.data.sparse)) throw new Error(`distillation and ${r.data.earlybert ? 'earlybert' : `sparse training (${r.data.sparse!.method})`} are separate methods: configure one of them`);
    if (r.data.distill && r.data.task !== undefined) throw new Error('distill is for masked-LM pretraining, not a translation task');
    if (r.data.earlybert && r.data.task !== undefined) throw new Error('earlybert is for masked-LM pretraining, not a translation task');
    if (r.data.sparse && r.data.task !== undefined) throw new Error(`sparse training (${r.data.sparse.method}) is for masked-LM pretraining, not a translation task`);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
  return r.data;
}

export function readTrainConfig(file: string): TrainConfig {
  return parseTrainConfig(readJsonFile(file, { what: 'config' }), `config ${file}`);
}

export function resolveModel(cfg: TrainConfig): ModelConfig {
  const base = { vocab_size: cfg.data.vocab_size, max_len: cfg.data.seq_len, dropout: 0 };
  if (typeof cfg.model === 'string' && isSeq2SeqName(cfg.model)) throw new Error(`model ${cfg.model} is an encoder-decoder: train it on a translation task (--task ${Object.keys(TRANSLATION_TASKS)[0]})`);
  if (typeof cfg.model === 'string') return parseModelName(cfg.model, base);
  const m = cfg.model;
  return validateModelConfig(
    { ...base, ...m, n_heads: m.n_heads ?? defaultHeads(m.d_model), d_ff: m.d_ff ?? 4 * m.d_model, dropout: m.dropout ?? 0 },
    'model',
  );
}

/** The encoder-decoder of a translation config, its task checked; positions for data.seq_len tokens per side. */
export function resolveSeq2SeqModel(cfg: TrainConfig): Seq2SeqConfig {
  translationTaskModules(cfg.task ?? '');
  if (typeof cfg.model !== 'string') throw new Error('a translation model is named E{encoder layers}-D{decoder layers}-H{width}, e.g. "model": "E3-D3-H256"');
  return parseSeq2SeqName(cfg.model, { vocab_size: cfg.data.vocab_size, max_len: cfg.data.seq_len });
}

/** The warm-up a config asks for: a share of the budget, or a step count. */
export function resolveWarmup(o: TrainConfig['optimizer']): { fraction: number } | { steps: number } {
  const w = o.warmup ?? o.warmup_steps ?? '5%';
  return typeof w === 'string' ? { fraction: Number(w.slice(0, -1)) / 100 } : { steps: w };
}

/**
 * The default peak learning rate shrinks with the width, as muP prescribes for Adam's hidden
 * weights: 1e-3 at d_model 128, 5e-4 at 256, 3.3e-4 at 384. One shared rate makes wider models
 * worse per step at short budgets (measured in docs/RESULTS.md).
 */
export const WIDTH_RULE = { lr: 1e-3, d_model: 128 };

/** The peak learning rate of a run and where it came from: the config, or the width rule. */
export function peakLearningRate(cfg: TrainConfig): { lr: number; source: 'config' | 'width rule' } {
  if (cfg.optimizer.lr !== undefined) return { lr: cfg.optimizer.lr, source: 'config' };
  const width = cfg.task === undefined ? resolveModel(cfg).d_model : resolveSeq2SeqModel(cfg).d_model;
  return { lr: (WIDTH_RULE.lr * WIDTH_RULE.d_model) / width, source: 'width rule' };
}

export function optimizerConfig(cfg: TrainConfig): OptimizerConfig {
  const { warmup: _warmup, warmup_steps: _steps, ...o } = cfg.optimizer;
  const warmup = resolveWarmup(cfg.optimizer);
  return { ...o, lr: peakLearningRate(cfg).lr, betas: [o.betas[0], o.betas[1]], warmup_steps: 'steps' in warmup ? warmup.steps : 0, ...('fraction' in warmup ? { warmup_fraction: warmup.fraction } : {}) };
}
