/**
 * Parameter-efficient fine-tuning: (IA)^3 (nn/ia3_weights.ts) and prompt tuning (nn/encoder.ts
 * classifierLogits). The encoder stays as pretrained; what the task adds is written as
 * adapter.safetensors beside the usable classifier checkpoint.
 */
import path from 'node:path';
import { encodeSafetensors } from '../io/safetensors.ts';
import type { ModelConfig } from '../nn/config.ts';
import { IA3_PREFIX, ia3ParamSpecs } from '../nn/ia3_weights.ts';
import { initParams, PROMPT_EMBEDDINGS, WORD_EMBEDDINGS, type Parameter } from '../nn/params.ts';
import { SPECIAL_TOKENS } from '../tokenizer/tokenizer.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { Random } from '../util/random.ts';
import { ia3Merged, peftTrains, trainClassifierCheckpoint, type ClassifierRun } from './classifier_steps.ts';

export interface Adapter {
  method: 'ia3' | 'prompt';
  file: string;
  bytes: number;
  trained_params: number;
  total_params: number;
}

/** What a method run leaves: the classifier to use, its checkpoint, and the add-on. */
export interface PeftResult {
  params: Parameter[];
  checkpoint: string;
  steps: number;
  trainS: number;
  lr: number;
  adapter: Adapter;
}

type Run = Omit<ClassifierRun, 'params' | 'peft'>;

/** (IA)^3: vectors of 1 appended, trained with the head, merged into the saved classifier. */
export async function trainIa3(run: Run, params: Parameter[]): Promise<PeftResult> {
  const withVectors = [...params, ...initParams(ia3ParamSpecs(run.model), run.model, run.seed)];
  const t = await trainClassifierCheckpoint({ ...run, params: withVectors, record: { ...run.record, method: 'ia3' }, peft: 'ia3' });
  const adapter = writeAdapter(run.outDir, 'ia3', withVectors.filter((p) => !p.spec.name.startsWith(IA3_PREFIX)), withVectors);
  return { params: ia3Merged(run.model, run.labels.length, withVectors), checkpoint: t.checkpoint, steps: t.steps, trainS: t.trainS, lr: t.opt.lr, adapter };
}

/** Prompt tuning: `run.model` has prompt_length; the prompt starts as the embeddings of random vocabulary tokens and trains with the head. */
export async function trainPrompt(run: Run, params: Parameter[]): Promise<PeftResult> {
  initPromptFromVocabulary(run.model, params, run.seed);
  const t = await trainClassifierCheckpoint({ ...run, params, record: { ...run.record, method: 'prompt', prompt_length: run.model.prompt_length }, peft: 'prompt' });
  const adapter = writeAdapter(run.outDir, 'prompt', params, params);
  return { params, checkpoint: t.checkpoint, steps: t.steps, trainS: t.trainS, lr: t.opt.lr, adapter };
}

/**
 * Lester et al. found prompts started from vocabulary embeddings train better than random ones:
 * each vector copies the word embedding of a token drawn (seeded) from the vocabulary past the
 * special tokens.
 */
function initPromptFromVocabulary(model: ModelConfig, params: Parameter[], seed: number): void {
  const prompt = params.find((p) => p.spec.name === PROMPT_EMBEDDINGS)!;
  const table = params.find((p) => p.spec.name === WORD_EMBEDDINGS)!.data;
  const rng = new Random(seed, 0x70726f6d);
  const d = model.d_model;
  const first = SPECIAL_TOKENS.length;
  for (let i = 0; i < model.prompt_length!; i++) {
    const token = first + rng.int(model.vocab_size - first);
    prompt.data.set(table.subarray(token * d, (token + 1) * d), i * d);
  }
}

/** The task's add-on, adapter.safetensors: what trained (the method's own parameters and the head), unmerged; `model` counts the parameters of the model it adapts. */
function writeAdapter(outDir: string, method: Adapter['method'], model: readonly Parameter[], all: readonly Parameter[]): Adapter {
  const trained = all.filter((p) => peftTrains(method, p.spec.name));
  const bytes = encodeSafetensors(new Map(trained.map((p) => [p.spec.name, { dtype: 'F32' as const, shape: p.spec.shape, data: p.data }])), { method });
  writeFileAtomic(path.join(outDir, 'adapter.safetensors'), bytes);
  const count = (ps: readonly Parameter[]) => ps.reduce((n, p) => n + p.data.length, 0);
  return { method, file: 'adapter.safetensors', bytes: bytes.length, trained_params: count(trained), total_params: count(model) };
}
