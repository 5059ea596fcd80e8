/** The sweep file: a grid of model sizes (and optionally batch sizes) trained at one budget each, over seeds. */
import { z } from 'zod';
import { readJsonFile } from '../util/json_file.ts';
import { formatZodError } from '../util/zod_error.ts';
import { parseBudget } from '../train/budget.ts';
import { parseTrainConfig, peakLearningRate, type TrainConfig } from '../train/config.ts';

export const SweepConfigSchema = z
  .object({
    /** Model shorthands, e.g. ["L2-H128", "L4-H256", "L6-H384"], or encoder-decoders ["E2-D2-H128", "E3-D3-H256"] with base.task a translation task. */
    models: z.array(z.string().regex(/^(L\d+|E\d+-D\d+)-H\d+(-A\d+)?(-F\d+)?(-E\d+)?$/, 'must be L{layers}-H{width}, e.g. L4-H256, or with a translation task E{encoder layers}-D{decoder layers}-H{width} (L4-H256-E8: Switch experts)')).min(1).max(64),
    seeds: z.array(z.number().int().min(0)).min(1).max(32).default([0]),
    /** The same budget for every run: wall-clock (5m), steps, or tokens. */
    budget: z.string().default('5m'),
    /** Batch sizes to study; the learning rate follows `lr_scaling` from `base.batch_size`. */
    batch_sizes: z.array(z.number().int().min(1).max(4096)).min(1).max(16).optional(),
    lr_scaling: z.enum(['sqrt', 'linear', 'none']).default('sqrt'),
    /** Peak learning rate per model shorthand (a learning-rate grid's pick), in place of the config's or the width rule's; sizes left out keep theirs. */
    learning_rates: z.record(z.string(), z.number().positive()).optional(),
    /** Budget per model shorthand in place of `budget`, e.g. token budgets converted from one wall-clock budget with each size's measured tokens/s, so runs can be interrupted and resumed on another machine. */
    budgets: z.record(z.string(), z.string()).optional(),
    /** Validation perplexity whose time-to-reach the analysis reports; default: the smallest model's final mean. */
    target_ppl: z.number().gt(1).optional(),
    /** Everything else of a training config (data, optimizer, eval, threads, batch_size), shared by all runs. */
    base: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type SweepConfig = z.infer<typeof SweepConfigSchema>;

export interface SweepRunSpec {
  id: string;
  model: string;
  seed: number;
  batchSize: number;
  config: TrainConfig;
}

export function parseSweepConfig(raw: unknown, where: string): SweepConfig {
  const r = SweepConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: ${formatZodError(r.error)}`);
  const forbidden = ['model', 'budget', 'seed'].filter((k) => k in r.data.base);
  if (forbidden.length > 0) throw new Error(`${where}: base.${forbidden[0]} is set by the sweep itself: use models, budget and seeds`);
  for (const key of ['learning_rates', 'budgets'] as const) {
    const stray = Object.keys(r.data[key] ?? {}).find((m) => !r.data.models.includes(m));
    if (stray) throw new Error(`${where}: ${key} names ${stray}, which is not in models: give ${key === 'budgets' ? 'budgets' : 'rates'} only for the sizes the sweep trains`);
  }
  for (const [label, budget] of [['budget', r.data.budget], ...Object.entries(r.data.budgets ?? {}).map(([m, b]) => [`budgets.${m}`, b])]) {
    try {
      parseBudget(budget);
    } catch (err) {
      throw new Error(`${where}: ${label}: ${(err as Error).message}`, { cause: err });
    }
  }
  expandSweep(r.data, where); // every run's config is valid before anything trains
  return r.data;
}

export function readSweepConfig(file: string): SweepConfig {
  return parseSweepConfig(readJsonFile(file, { what: 'sweep file' }), `sweep file ${file}`);
}

/** Every run of the grid, with its full training config. */
export function expandSweep(s: SweepConfig, where = 'sweep'): SweepRunSpec[] {
  const base = parseTrainConfig({ model: s.models[0], ...s.base }, `${where}: base`);
  parseBudget(s.budget);
  const batches = s.batch_sizes ?? [base.batch_size];
  const runs: SweepRunSpec[] = [];
  for (const model of s.models) {
    for (const batchSize of batches) {
      // Batch sizes other than the base one scale the model's own rate (the config's, or the width rule's).
      const ratio = batchSize / base.batch_size;
      const factor = s.lr_scaling === 'linear' ? ratio : s.lr_scaling === 'sqrt' ? Math.sqrt(ratio) : 1;
      const tuned = s.learning_rates?.[model];
      const modelLr = tuned ?? peakLearningRate(parseTrainConfig({ ...s.base, model }, `${where}: model ${model}`)).lr;
      const optimizer = factor === 1 && tuned === undefined ? base.optimizer : { ...base.optimizer, lr: modelLr * factor };
      for (const seed of s.seeds) {
        const raw = { ...s.base, model, budget: s.budgets?.[model] ?? s.budget, seed, batch_size: batchSize, optimizer };
        const id = `${model}-b${batchSize}-s${seed}`;
        runs.push({ id, model, seed, batchSize, config: parseTrainConfig(raw, `${where}: run ${id}`) });
      }
    }
  }
  return runs;
}
