/**
 * Sizes the sweep did not train, for the planner: their non-embedding parameters from the name,
 * and their tokens/s from a short benchmark of training steps, scaled by how the trained sizes'
 * runs compare with the same benchmark (a run also evaluates, logs and loads data, which the
 * benchmark does not), so a candidate's throughput is on the runs' footing.
 */
import { benchTokensPerSecond } from '../bench/train_bench.ts';
import type { BenchSpec } from '../bench/spec.ts';
import { parseModelName, type ModelConfig } from '../nn/config.ts';
import { countNonEmbeddingParams } from '../nn/params.ts';
import type { PlannedSize } from './scaling_plan.ts';
import type { ScalingRuns } from './scaling_runs.ts';

function benchSpecOf(name: string, model: ModelConfig, ref: ScalingRuns['reference']): BenchSpec {
  return {
    name,
    model: { vocab_size: model.vocab_size, max_len: model.max_len, d_model: model.d_model, n_layers: model.n_layers, n_heads: model.n_heads, d_ff: model.d_ff, activation: 'gelu', norm: 'pre', tie_embeddings: true, dropout: 0 },
    batch: { batch_size: ref.batch_size, seq_len: ref.seq_len, mask_prob: ref.mask_prob, loss_on: 'masked positions only' },
    optimizer: { name: 'adamw', lr: 1e-3, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01 },
    threads: ref.threads,
  };
}

/** Parses `--candidates L3-H192,L8-H512` against the runs' vocabulary and length; a one-line error names a bad entry. */
export function parseCandidates(list: string, ref: ScalingRuns['reference']): { name: string; model: ModelConfig }[] {
  const names = list.split(',').map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) throw new Error('--candidates is empty: list model names, e.g. --candidates L3-H192,L8-H512');
  return names.map((name) => ({ name, model: parseModelName(name, { vocab_size: ref.vocab_size, max_len: ref.max_len }) }));
}

/**
 * The candidates as planned sizes. Each trained size and each candidate is benchmarked for
 * `seconds`; candidates get the benchmark's tokens/s times the median ratio of run to benchmark
 * tokens/s over the trained sizes.
 */
export async function candidateSizes(list: string, found: Pick<ScalingRuns, 'reference' | 'configs'>, trained: readonly PlannedSize[], options: { seconds?: number; log?: (line: string) => void } = {}): Promise<PlannedSize[]> {
  const ref = found.reference;
  const candidates = parseCandidates(list, ref).filter((c) => !trained.some((t) => t.model === c.name));
  if (candidates.length === 0) return [];
  const seconds = options.seconds ?? 5;
  const bench = async (name: string, model: ModelConfig) => {
    options.log?.(`plan: benchmarking ${name} for ${seconds} s`);
    return benchTokensPerSecond(benchSpecOf(name, model, ref), { seconds, threads: ref.threads });
  };
  const ratios: number[] = [];
  for (const t of trained) ratios.push(t.tokens_per_s / (await bench(t.model, found.configs[t.model])));
  ratios.sort((a, b) => a - b);
  const ratio = ratios[Math.floor(ratios.length / 2)];
  const sizes: PlannedSize[] = [];
  for (const c of candidates) sizes.push({ model: c.name, params: countNonEmbeddingParams(c.model), tokens_per_s: ratio * (await bench(c.name, c.model)), throughput_from: 'bench' });
  return sizes;
}
