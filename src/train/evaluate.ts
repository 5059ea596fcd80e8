/** `tltc eval`: validation loss and perplexity of a checkpoint on its corpus's fixed validation set. */
import { maskedPerSequence, validationBatches, VALIDATION_MASK_PROB } from '../data/mlm_batches.ts';
import { defaultCorpus } from '../data/corpus.ts';
import { readCorpusPath, splitDocuments } from '../data/prepare.ts';
import { numel } from '../graph/shape.ts';
import { modelName } from '../nn/config.ts';
import { mlmParamSpecs } from '../nn/params.ts';
import { EOS } from '../tokenizer/tokenizer.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { MlmRunner } from './mlm_runner.ts';

export interface EvalResult {
  checkpoint: string;
  model: string;
  step: number;
  corpus: string;
  val_loss: number;
  val_ppl: number;
  sequences: number;
}

interface TrainSection {
  data?: { corpus?: string; seq_len?: number };
  batch_size?: number;
  eval?: { sequences?: number };
}

export async function evaluateCheckpoint(dir: string, options: { corpus?: string; sequences?: number; threads?: number } = {}): Promise<EvalResult> {
  const ck = loadCheckpoint(dir);
  const model = ck.config.model;
  const trainCfg = (ck.config.train ?? {}) as TrainSection;
  const corpus = options.corpus ?? trainCfg.data?.corpus ?? 'default';
  const seq = trainCfg.data?.seq_len ?? model.max_len;
  const maskProb = VALIDATION_MASK_PROB;
  const batch = trainCfg.batch_size ?? 32;
  const sequences = options.sequences ?? trainCfg.eval?.sequences ?? 128;
  // The checkpoint's own tokenizer encodes the validation documents, whatever the cache holds.
  const tokenizer = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
  const { val } = splitDocuments(corpus === 'default' ? defaultCorpus() : readCorpusPath(corpus));
  const ids: number[] = [];
  for (const d of val) ids.push(...tokenizer.encode(d.text), EOS);
  const batchShape = { batch, seq, maskProb };
  const batches = validationBatches(Uint16Array.from(ids), batchShape, model.vocab_size, sequences);
  const specs = mlmParamSpecs(model);
  const params = specs.map((spec) => {
    const data = ck.params.get(spec.name);
    if (!data || data.length !== numel(spec.shape)) {
      throw new Error(`${ck.dir}/model.safetensors lacks ${spec.name} of shape [${spec.shape}]: it does not match its config.json`);
    }
    return { spec, data };
  });
  const shape = { batch, seq, masked: batch * maskedPerSequence(seq, maskProb) };
  const noOpt = { lr: 0, betas: [0.9, 0.98] as [number, number], eps: 1e-6, weight_decay: 0, clip_norm: 0, warmup_steps: 0, schedule: 'constant' as const, min_lr_ratio: 1 };
  const runner = await MlmRunner.create(model, shape, noOpt, params, null, { threads: options.threads, evalOnly: true });
  try {
    const loss = await runner.evaluate(batches);
    return { checkpoint: ck.dir, model: modelName(model), step: ck.config.state.step, corpus, val_loss: loss, val_ppl: Math.exp(loss), sequences: batches.length * batch };
  } finally {
    await runner.release();
  }
}
