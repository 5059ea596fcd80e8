/**
 * Checkpoint folders (DESIGN §3): config.json, model.safetensors, optimizer.safetensors and
 * tokenizer.json, written into a temp folder and renamed into place, with checksums in
 * config.json so a damaged file is detected before it is used.
 */
import { CmowConfigSchema } from '../nn/cmow.ts';
import { formatZodError } from '../util/zod_error.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { decodeSafetensors, encodeSafetensors, type StTensor } from '../io/safetensors.ts';
import { validateModelConfig, type ModelConfig } from '../nn/config.ts';
import { validateSeq2SeqConfig, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import type { Parameter } from '../nn/params.ts';
import { fsyncDir, writeFileAtomic } from '../util/atomic.ts';
import { readJsonFile } from '../util/json_file.ts';

export interface TrainState {
  step: number;
  tokens: number;
  flops: number;
  /** Training wall-clock so far, excluding evaluation and checkpoint writing. */
  train_s: number;
}

export interface CheckpointConfig<M = ModelConfig> {
  format: 'tltc-checkpoint';
  version: 1;
  model_type: ModelType;
  model: M;
  /** Class names, for classifiers (a regression head's one name: its target column). */
  labels?: string[];
  /** 'regression' for a head trained on one number; absent for classes. */
  objective?: 'regression' | 'embedding';
  train: unknown;
  state: TrainState;
  /** A training method's own state at this step (EarlyBERT's search), for a bit-identical resume. */
  method_state?: unknown;
  files: Record<string, { sha256: string; bytes: number }>;
  /** SHA-256 of this object's JSON without this field: detects edits and bit flips in config.json. */
  checksum?: string;
}

/** tltc-cmow: a CMOW/CBOW sentence encoder (nn/cmow.ts), its config in `model`; tltc-tagger: a sequence labeller (nn/tagger.ts), its tags in `labels`. */
export type ModelType = 'tltc-mlm' | 'tltc-classifier' | 'tltc-seq2seq' | 'tltc-cmow' | 'tltc-tagger';
const MODEL_TYPES: readonly string[] = ['tltc-mlm', 'tltc-classifier', 'tltc-seq2seq', 'tltc-cmow', 'tltc-tagger'];

export interface Checkpoint<M = ModelConfig> {
  dir: string;
  config: CheckpointConfig<M>;
  params: Map<string, Float32Array>;
  /** Adam moments by parameter name; absent when loading for inference only. */
  moments?: { m: Map<string, Float32Array>; v: Map<string, Float32Array> };
  /** Sparse training's keep-masks by parameter name, loaded with the moments when the run saved them. */
  masks?: Map<string, Float32Array>;
  tokenizerJson: string;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
export const checkpointName = (step: number) => `step-${String(step).padStart(8, '0')}`;
const STEP_DIR = /^step-(\d{8,})$/;

export interface SaveInput<M = ModelConfig> {
  modelType?: ModelType;
  labels?: string[];
  objective?: 'regression' | 'embedding';
  model: M;
  train: unknown;
  state: TrainState;
  params: readonly Parameter[];
  m: readonly Float32Array[];
  v: readonly Float32Array[];
  /** Keep-masks of sparse training (train/rigl.ts), saved beside the moments. */
  masks?: ReadonlyMap<string, Float32Array>;
  /** Saved in config.json as `method_state`. */
  methodState?: unknown;
  tokenizerJson: string;
}

const f32 = (data: Float32Array, shape: number[]): StTensor => ({ dtype: 'F32', shape, data });

/** Writes checkpoints/step-N atomically and prunes all but the newest `keep`. Returns its path. */
export function saveCheckpoint<M>(runDir: string, input: SaveInput<M>, keep: number): string {
  const root = path.join(runDir, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const name = checkpointName(input.state.step);
  const final = path.join(root, name);
  const tmp = path.join(root, `.tmp-${name}-${process.pid}`);
  // Temp folders of writers killed mid-write; the run lock makes this process the only writer.
  for (const f of readdirSync(root)) if (f.startsWith('.tmp-')) rmSync(path.join(root, f), { recursive: true, force: true });
  try {
    const model = encodeSafetensors(new Map(input.params.map((p) => [p.spec.name, f32(p.data, p.spec.shape)])), { format: 'pt' });
    const optimizer = encodeSafetensors(
      new Map(
        input.params.flatMap((p, i) => [
          [`m/${p.spec.name}`, f32(input.m[i], p.spec.shape)],
          [`v/${p.spec.name}`, f32(input.v[i], p.spec.shape)],
          ...(input.masks?.has(p.spec.name) ? [[`mask/${p.spec.name}`, f32(input.masks.get(p.spec.name)!, p.spec.shape)] as const] : []),
        ]),
      ),
    );
    const files = { 'model.safetensors': model, 'optimizer.safetensors': optimizer, 'tokenizer.json': new TextEncoder().encode(input.tokenizerJson) };
    const config: CheckpointConfig<M> = {
      format: 'tltc-checkpoint',
      version: 1,
      model_type: input.modelType ?? 'tltc-mlm',
      model: input.model,
      ...(input.labels ? { labels: input.labels } : {}),
      ...(input.objective ? { objective: input.objective } : {}),
      train: input.train,
      state: input.state,
      ...(input.methodState !== undefined ? { method_state: input.methodState } : {}),
      files: Object.fromEntries(Object.entries(files).map(([f, b]) => [f, { sha256: sha256(b), bytes: b.length }])),
    };
    for (const [f, b] of Object.entries(files)) writeFileAtomic(path.join(tmp, f), b);
    writeFileAtomic(path.join(tmp, 'config.json'), JSON.stringify({ ...config, checksum: configChecksum(config) }, null, 2));
    fsyncDir(tmp);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    fsyncDir(root);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOSPC' ? 'the disk is full' : e.message.split('\n')[0];
    throw new Error(`could not write checkpoint ${final}: ${why}; earlier checkpoints are intact`, { cause: err });
  }
  for (const old of listCheckpoints(runDir).slice(0, -keep)) rmSync(old, { recursive: true, force: true });
  return final;
}

/** Complete checkpoint folders of a run, oldest first (temp folders are ignored). */
export function listCheckpoints(runDir: string): string[] {
  const root = path.join(runDir, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((f) => STEP_DIR.test(f) && existsSync(path.join(root, f, 'config.json')))
    .sort()
    .map((f) => path.join(root, f));
}

/** A checkpoint folder, or a run folder whose newest complete checkpoint is meant. */
export function resolveCheckpointDir(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`checkpoint ${dir} does not exist`);
  // A run folder holds checkpoints/ (and, for compression, a transformers.js config.json beside it); a checkpoint folder never does.
  if (existsSync(path.join(dir, 'config.json')) && !existsSync(path.join(dir, 'checkpoints'))) return dir;
  const all = listCheckpoints(dir);
  if (all.length === 0) throw new Error(`${dir} has no complete checkpoint: train first, or point at a checkpoint folder`);
  return all[all.length - 1];
}

function readChecked(dir: string, file: string, expected: { sha256: string; bytes: number } | undefined): Uint8Array {
  const p = path.join(dir, file);
  if (!existsSync(p)) throw new Error(`${p} is missing: the checkpoint is incomplete`);
  const bytes = readFileSync(p);
  if (!expected) throw new Error(`${path.join(dir, 'config.json')} lists no checksum for ${file}: the checkpoint is damaged`);
  if (bytes.length !== expected.bytes) {
    throw new Error(`${p} is truncated or damaged (${bytes.length} bytes, expected ${expected.bytes}): use an earlier checkpoint`);
  }
  if (sha256(bytes) !== expected.sha256) throw new Error(`${p} is corrupt (checksum mismatch): use an earlier checkpoint`);
  return bytes;
}

export function configChecksum(config: Omit<CheckpointConfig<unknown>, 'checksum'>): string {
  return sha256(JSON.stringify(config));
}

/** Checkpoints written before `embedding_norm` existed had no embedding LayerNorm. */
function withLegacyDefaults(model: unknown): unknown {
  if (model && typeof model === 'object' && !('embedding_norm' in model)) return { ...model, embedding_norm: false };
  return model;
}

/** The config.json of a checkpoint folder, verified; its model is an encoder's or (tltc-seq2seq) an encoder-decoder's. */
export function readCheckpointConfig(dir: string): CheckpointConfig<ModelConfig | Seq2SeqConfig> {
  const file = path.join(dir, 'config.json');
  const damaged = 'the checkpoint is damaged';
  const raw = readJsonFile(file, { unreadable: damaged, invalid: damaged }) as CheckpointConfig<ModelConfig | Seq2SeqConfig>;
  if (raw?.format !== 'tltc-checkpoint') throw new Error(`${file} is not a tltc checkpoint config`);
  const { checksum, ...rest } = raw;
  if (checksum !== configChecksum(rest)) throw new Error(`${file} is corrupt (checksum mismatch): the checkpoint is damaged`);
  if (!MODEL_TYPES.includes(raw.model_type)) throw new Error(`${file} holds an unknown model type ${String(raw.model_type)}`);
  if (raw.model_type === 'tltc-cmow') {
    // Validated, but typed as the encoder's: only sentence distillation, which wrote it, reads a CMOW config (every other loader expects another model type).
    const parsed = CmowConfigSchema.safeParse(raw.model);
    if (!parsed.success) throw new Error(`${file}: ${formatZodError(parsed.error)}`);
    raw.model = parsed.data as unknown as ModelConfig;
    return raw;
  }
  raw.model = raw.model_type === 'tltc-seq2seq' ? validateSeq2SeqConfig(raw.model, file) : validateModelConfig(withLegacyDefaults(raw.model), file);
  return raw;
}

function float32Map(tensors: Map<string, StTensor>, file: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    if (t.dtype !== 'F32') throw new Error(`${file}: tensor ${name} is ${t.dtype}, expected F32`);
    out.set(name, t.data as Float32Array);
  }
  return out;
}

/** Loads and verifies a checkpoint; `withOptimizer` also loads the Adam moments. */
export function loadCheckpoint(dirOrRun: string, withOptimizer = false, expected: Exclude<ModelType, 'tltc-seq2seq'> | 'any' = 'tltc-mlm'): Checkpoint {
  const dir = resolveCheckpointDir(dirOrRun);
  const config = readCheckpointConfig(dir);
  if (config.model_type === 'tltc-seq2seq') throw new Error(`${path.join(dir, 'config.json')} holds a translation (encoder-decoder) model: use it with tltc translate or tltc eval`);
  if (expected !== 'any' && config.model_type !== expected) {
    const hint = expected === 'tltc-mlm' ? 'pass a pretrained (tltc train) checkpoint' : 'pass a fine-tuned (tltc finetune) checkpoint';
    throw new Error(`${path.join(dir, 'config.json')} holds a ${config.model_type} model, expected ${expected}: ${hint}`);
  }
  return loadVerified(dir, config as CheckpointConfig, withOptimizer);
}

/** Loads and verifies an encoder-decoder (translation) checkpoint; `withOptimizer` also loads the Adam moments. */
export function loadSeq2SeqCheckpoint(dirOrRun: string, withOptimizer = false): Checkpoint<Seq2SeqConfig> {
  const dir = resolveCheckpointDir(dirOrRun);
  const config = readCheckpointConfig(dir);
  if (config.model_type !== 'tltc-seq2seq') throw new Error(`${path.join(dir, 'config.json')} holds a ${config.model_type} model, not a translation model: train one with tltc train --task translate-en-es`);
  return loadVerified(dir, config as CheckpointConfig<Seq2SeqConfig>, withOptimizer);
}

function loadVerified<M>(dir: string, config: CheckpointConfig<M>, withOptimizer: boolean): Checkpoint<M> {  const modelFile = path.join(dir, 'model.safetensors');
  const params = float32Map(decodeSafetensors(readChecked(dir, 'model.safetensors', config.files['model.safetensors']), modelFile).tensors, modelFile);
  const tokenizerJson = new TextDecoder().decode(readChecked(dir, 'tokenizer.json', config.files['tokenizer.json']));
  let moments: Checkpoint['moments'];
  const masks = new Map<string, Float32Array>();
  if (withOptimizer) {
    const optFile = path.join(dir, 'optimizer.safetensors');
    const all = float32Map(decodeSafetensors(readChecked(dir, 'optimizer.safetensors', config.files['optimizer.safetensors']), optFile).tensors, optFile);
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const [k, t] of all) {
      if (k.startsWith('mask/')) masks.set(k.slice('mask/'.length), t);
      else (k.startsWith('m/') ? m : v).set(k.slice(2), t);
    }
    moments = { m, v };
  }
  return { dir, config, params, moments, ...(masks.size > 0 ? { masks } : {}), tokenizerJson };
}

/**
 * A classifier checkpoint's objective as the exporters take it: a sentence-embedding student
 * (tltc distill from a sentence encoder) is refused, its ONNX files are written where it trained.
 */
export function exportableObjective(ck: Pick<Checkpoint, 'dir' | 'config'>): 'regression' | undefined {
  const o = ck.config.objective;
  if (o === 'embedding') throw new Error(`${ck.dir} is a sentence-embedding student, not a classifier: its ONNX files (output: the embedding) are in the onnx/ folder tltc distill wrote beside distill.json`);
  return o;
}
