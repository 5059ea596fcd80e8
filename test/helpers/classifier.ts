/** A tiny classifier with perturbed random weights, and synthetic encoded rows, for compression tests. */
import { classifierParamSpecs } from '../../src/nn/classifier.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { initParams, type Parameter } from '../../src/nn/params.ts';
import type { EncodedSplit } from '../../src/train/classifier_data.ts';
import { Random } from '../../src/util/random.ts';

export function tinyClassifier(overrides: Partial<ModelConfig> = {}, classes = 3, seed = 1): { model: ModelConfig; params: Parameter[] } {
  const model = validateModelConfig({ vocab_size: 200, max_len: 16, d_model: 64, n_layers: 2, n_heads: 4, d_ff: 96, dropout: 0, init_std: 0.1, ...overrides }, 'test');
  const params = initParams(classifierParamSpecs(model, classes), model, seed);
  const rng = new Random(seed + 100);
  for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] += 0.1 * rng.normal();
  return { model, params };
}

/** `count` rows of random tokens and lengths whose label is a function of the first token, so it can be learned. */
export function syntheticSplit(count: number, seq: number, classes: number, seed = 3): EncodedSplit {
  const rng = new Random(seed);
  const ids = new BigInt64Array(count * seq).fill(1n);
  const mask = new BigInt64Array(count * seq);
  const labels = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const len = 3 + rng.int(seq - 3);
    ids[r * seq] = 0n;
    const key = 5 + rng.int(classes);
    ids[r * seq + 1] = BigInt(key);
    for (let t = 2; t < len; t++) ids[r * seq + t] = BigInt(10 + rng.int(190));
    for (let t = 0; t < len; t++) mask[r * seq + t] = 1n;
    labels[r] = key - 5;
  }
  return { ids, mask, labels, count };
}
