/**
 * The pretraining runs under a folder as the scaling-law fit reads them: each run's evaluations,
 * its model's non-embedding parameters, and the unique training tokens of the corpus they share.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { modelName, validateModelConfig, type ModelConfig } from '../nn/config.ts';
import { countNonEmbeddingParams } from '../nn/params.ts';
import type { MetricsRow } from '../train/run_log.ts';
import { findRuns } from './run_table.ts';
import type { ScalingRun } from './scaling_plan.ts';

export interface ScalingRuns {
  runs: ScalingRun[];
  /** Unique training tokens of the shared corpus (the effective-data rule's U). */
  uniqueTokens: number;
  corpus: string;
  /** Each size's model, by the size's name in `runs`. */
  configs: Record<string, ModelConfig>;
  /** A run's settings, for benchmarking sizes that were not trained the same way. */
  reference: { vocab_size: number; max_len: number; batch_size: number; seq_len: number; mask_prob: number; threads: number };
}

interface RunJson {
  model: unknown;
  config: { batch_size: number; data: { seq_len: number; mask_prob: number }; threads?: number };
  corpus: { corpus: string; tokens: { train: number } };
}

function readMetrics(dir: string): MetricsRow[] {
  return readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricsRow);
}

/**
 * Every completed pretraining run under `root`. Runs of one model at several batch sizes become
 * separate sizes (their throughputs differ). Refuses runs on different corpora: one law, one corpus.
 */
export function readScalingRuns(root: string): ScalingRuns {
  const dirs = findRuns(path.resolve(root));
  if (dirs.length === 0) throw new Error(`${root} holds no completed training run (run.json and summary.json): train a sweep first`);
  const read = dirs.map((dir) => ({ dir, run: JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunJson }));
  const corpora = new Set(read.map((r) => `${r.run.corpus.corpus} (${r.run.corpus.tokens.train} training tokens)`));
  if (corpora.size > 1) throw new Error(`${root} mixes runs on different corpora (${[...corpora].join(', ')}): fit one corpus at a time`);
  const batchesOf = new Map<string, Set<number>>();
  const models = read.map((r) => validateModelConfig(r.run.model, `${r.dir}/run.json`));
  models.forEach((m, i) => batchesOf.set(modelName(m), (batchesOf.get(modelName(m)) ?? new Set()).add(read[i].run.config.batch_size)));
  const runs = read.map((r, i) => {
    const name = modelName(models[i]);
    return {
      id: path.relative(path.resolve(root), r.dir) || path.basename(r.dir),
      model: batchesOf.get(name)!.size > 1 ? `${name} b${r.run.config.batch_size}` : name,
      params: countNonEmbeddingParams(models[i]),
      rows: readMetrics(r.dir),
    };
  });
  const first = read[0].run;
  return {
    runs,
    configs: Object.fromEntries(runs.map((r, i) => [r.model, models[i]])),
    uniqueTokens: first.corpus.tokens.train,
    corpus: first.corpus.corpus,
    reference: { vocab_size: models[0].vocab_size, max_len: models[0].max_len, batch_size: first.config.batch_size, seq_len: first.config.data.seq_len, mask_prob: first.config.data.mask_prob, threads: first.config.threads ?? 1 },
  };
}
