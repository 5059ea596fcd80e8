/**
 * `tltc import --from DIR`: a Hugging Face RoBERTa, RoBERTa-PreLayerNorm or BERT folder
 * (config.json, model.safetensors, tokenizer.json) as a tltc checkpoint that finetune, compress
 * and export take. The model computes what the original computes for single-segment input:
 * token-type row 0 is added to the position table (tltc has no token types), BERT's positions
 * move two rows down (tltc numbers them from 2, as RoBERTa does), and the vocabulary is
 * renumbered so the special tokens come first (tokenizer/hf_vocab.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { numel } from '../graph/shape.ts';
import { decodeSafetensors, toFloat32, type StTensor } from '../io/safetensors.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { POSITION_OFFSET, validateModelConfig, type ModelConfig } from '../nn/config.ts';
import { fromHfName, HF_ARCHITECTURES, HF_BASE_PREFIX, type HfArchitecture } from '../nn/hf_names.ts';
import { initParams, mlmParamSpecs, type ParamSpec } from '../nn/params.ts';
import { readHfTokenizer, type RenumberedTokenizer } from '../tokenizer/hf_vocab.ts';
import { tokenizerToJson, type TextTokenizer } from '../tokenizer/tokenizer_json.ts';
import { saveCheckpoint } from '../train/checkpoint.ts';
import { assertNewFolder, createFolder } from '../util/new_folder.ts';
import { formatZodError } from '../util/zod_error.ts';

const HfConfigSchema = z.object({
  model_type: z.string(),
  architectures: z.array(z.string()).optional(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  max_position_embeddings: z.number().int().positive(),
  type_vocab_size: z.number().int().nonnegative().default(2),
  layer_norm_eps: z.number().positive().default(1e-12),
  hidden_act: z.string().default('gelu'),
  hidden_dropout_prob: z.number().min(0).max(0.9).default(0.1),
  initializer_range: z.number().positive().default(0.02),
  position_embedding_type: z.string().default('absolute'),
  pad_token_id: z.number().int().nonnegative().optional(),
  tie_word_embeddings: z.boolean().default(true),
  pruned_heads: z.record(z.string(), z.array(z.number())).default({}),
  id2label: z.record(z.string(), z.string()).optional(),
});
type HfConfig = z.infer<typeof HfConfigSchema>;

export interface HfImportResult {
  dir: string;
  from: string;
  architecture: HfArchitecture;
  model_type: 'tltc-mlm' | 'tltc-classifier';
  model: ModelConfig;
  labels?: string[];
  /** HF tensors tltc does not compute with (poolers RoBERTa does not use, tied copies, buffers). */
  ignored: string[];
  /** tltc parameters the folder did not hold, freshly initialized (the MLM head of a bare encoder). */
  initialized: string[];
  /** Whether token ids were renumbered (special tokens moved to 0-4). */
  renumbered: boolean;
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new Error(`${file} is missing: a Hugging Face model folder holds ${what}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}

function readHfConfig(dir: string): HfConfig & { model_type: HfArchitecture } {
  const file = path.join(dir, 'config.json');
  const r = HfConfigSchema.safeParse(readJson(file, 'config.json, model.safetensors and tokenizer.json'));
  if (!r.success) throw new Error(`${file}: ${formatZodError(r.error)}`);
  const c = r.data;
  const refuse = (why: string) => new Error(`${file}: ${why}`);
  if (!(HF_ARCHITECTURES as readonly string[]).includes(c.model_type)) throw refuse(`model_type ${c.model_type} is not one tltc imports (${HF_ARCHITECTURES.join(', ')})`);
  if (c.hidden_act !== 'gelu') throw refuse(`hidden_act ${c.hidden_act}: tltc computes exact GELU ("gelu") only`);
  if (c.position_embedding_type !== 'absolute') throw refuse(`position_embedding_type ${c.position_embedding_type}: tltc has absolute positions only`);
  if (Object.values(c.pruned_heads).some((h) => h.length > 0)) throw refuse('pruned_heads is not empty: tltc imports unpruned models');
  if (!c.tie_word_embeddings) throw refuse('tie_word_embeddings is false: tltc ties the MLM decoder to the word embeddings');
  if (c.model_type !== 'bert' && c.pad_token_id !== 1) throw refuse(`pad_token_id ${String(c.pad_token_id)}: RoBERTa positions start after padding id 1, which tltc assumes`);
  return c as HfConfig & { model_type: HfArchitecture };
}

/** Names HF keeps in files that tltc has no parameter for, by design. */
function ignorable(name: string, arch: HfArchitecture, head: 'mlm' | 'classifier'): boolean {
  if (/(^|\.)position_ids$/.test(name) || /\.decoder\.(weight|bias)$/.test(name)) return true; // buffers; tied copies (checked)
  if (/^(roberta|roberta_prelayernorm)\.pooler\./.test(name)) return true; // RoBERTa's heads never read its pooler
  if (arch === 'bert' && (name.startsWith('cls.seq_relationship.') || (head === 'mlm' && name.startsWith('bert.pooler.')))) return true;
  return false;
}

export async function importHuggingFace(options: { from: string; outDir: string }): Promise<HfImportResult> {
  const from = path.resolve(options.from);
  const out = path.resolve(options.outDir);
  assertNewFolder(out);
  const hf = readHfConfig(from);
  const arch = hf.model_type;
  const { weightsFile, tensors } = readHfWeights(from);
  const { tokenizer, order } = readTokenizer(from, hf.vocab_size);

  const head = [...tensors.keys()].some((k) => k.startsWith('classifier.')) ? 'classifier' : 'mlm';
  const labels = head === 'classifier' ? labelNames(hf, tensors.get(arch === 'bert' ? 'classifier.weight' : 'classifier.out_proj.weight')?.shape[0]) : undefined;
  const offset = arch === 'bert' ? 0 : POSITION_OFFSET;
  const model = toModelConfig(hf, order.length, offset, path.join(from, 'config.json'));
  const specs = head === 'classifier' ? classifierParamSpecs(model, labels!.length) : mlmParamSpecs(model);
  const { params, ignored } = convertTensors(tensors, { arch, head, model, specs, order, offset, hfVocab: hf.vocab_size, weightsFile });
  const initialized = initializeMissing(params, specs, model, arch, weightsFile);

  const result: HfImportResult = {
    dir: out,
    from,
    architecture: arch,
    model_type: head === 'classifier' ? 'tltc-classifier' : 'tltc-mlm',
    model,
    ...(labels ? { labels } : {}),
    ignored,
    initialized,
    renumbered: order.some((id, i) => id !== i),
  };
  await writeImport(result, specs, params, tokenizer);
  return result;
}

/** The single unsharded model.safetensors; for the other layouts HF saves, the error says how to re-save. */
function readHfWeights(from: string): { weightsFile: string; tensors: Map<string, StTensor> } {
  const weightsFile = path.join(from, 'model.safetensors');
  if (!existsSync(weightsFile)) {
    const other = ['model.safetensors.index.json', 'pytorch_model.bin'].find((f) => existsSync(path.join(from, f)));
    throw new Error(`${weightsFile} is missing${other ? ` (the folder has ${other}): save the model unsharded in safetensors, save_pretrained(dir, safe_serialization=True, max_shard_size="10GB")` : ''}`);
  }
  return { weightsFile, tensors: decodeSafetensors(readFileSync(weightsFile), weightsFile).tensors };
}

/** The folder's tokenizer, renumbered; every id it can produce must have an embedding row. */
function readTokenizer(from: string, hfVocab: number): RenumberedTokenizer {
  const file = path.join(from, 'tokenizer.json');
  const renumbered = readHfTokenizer(readJson(file, 'tokenizer.json'), file);
  if (renumbered.order.length > hfVocab) throw new Error(`${file} has ${renumbered.order.length} tokens, more than the model's vocab_size ${hfVocab}`);
  return renumbered;
}

/** tltc's config for the HF one; the vocabulary is the tokenizer's, as rows no token maps to are dropped. */
function toModelConfig(hf: HfConfig & { model_type: HfArchitecture }, vocabSize: number, offset: number, where: string): ModelConfig {
  return validateModelConfig(
    {
      vocab_size: vocabSize,
      max_len: hf.max_position_embeddings - offset,
      d_model: hf.hidden_size,
      n_layers: hf.num_hidden_layers,
      n_heads: hf.num_attention_heads,
      d_ff: hf.intermediate_size,
      dropout: hf.hidden_dropout_prob,
      norm: hf.model_type === 'roberta-prelayernorm' ? 'pre' : 'post',
      embedding_norm: true,
      layer_norm_eps: hf.layer_norm_eps,
      init_std: hf.initializer_range,
    },
    where,
  );
}

/** What turning one folder's tensors into tltc parameters needs to know. */
interface Conversion {
  arch: HfArchitecture;
  head: 'mlm' | 'classifier';
  model: ModelConfig;
  specs: ParamSpec[];
  /** The original id of each tltc id. */
  order: number[];
  /** Rows the HF position table has before position 0 of tltc's numbering (0 for BERT). */
  offset: number;
  hfVocab: number;
  weightsFile: string;
}

/**
 * Every HF tensor either becomes a tltc parameter, is ignored by design, or fails the import:
 * an unknown name means the folder is not the model its config says.
 */
function convertTensors(tensors: Map<string, StTensor>, c: Conversion): { params: Map<string, Float32Array>; ignored: string[] } {
  const bySpec = new Map(c.specs.map((s) => [s.name, s]));
  const params = new Map<string, Float32Array>();
  const ignored: string[] = [];
  const raw = new Map<string, Float32Array>();
  for (const [name, t] of tensors) {
    const data = toFloat32(t, `${c.weightsFile}: ${name}`);
    raw.set(name, data);
    if (name.endsWith('embeddings.token_type_embeddings.weight')) continue;
    if (ignorable(name, c.arch, c.head)) {
      ignored.push(name);
      continue;
    }
    const tltc = fromHfName(name, c.arch);
    const spec = tltc === undefined ? undefined : bySpec.get(tltc);
    if (!spec) throw new Error(`${c.weightsFile}: tensor ${name} has no place in a ${c.arch} ${c.head === 'classifier' ? 'classifier' : 'masked LM'}; is config.json's model_type right?`);
    params.set(spec.name, reshapeFor(spec, t.shape, data, { order: c.order, offset: c.offset, hfVocab: c.hfVocab, where: `${c.weightsFile}: ${name}` }));
  }
  addTokenTypes(params, raw, c.model, c.arch);
  checkTiedDecoder(raw, c.arch, params, c.order);
  return { params, ignored };
}

/**
 * A bare encoder (RobertaModel, BertModel) gets a fresh MLM head, as from_pretrained would give
 * one; any other missing parameter means the file is incomplete. Returns the initialized names.
 */
function initializeMissing(params: Map<string, Float32Array>, specs: ParamSpec[], model: ModelConfig, arch: HfArchitecture, weightsFile: string): string[] {
  const initialized = specs.filter((s) => !params.has(s.name));
  if (initialized.some((s) => !s.name.startsWith('lm_head.'))) {
    throw new Error(`${weightsFile} lacks ${initialized.map((s) => s.name).slice(0, 3).join(', ')}${initialized.length > 3 ? ', ...' : ''}: the file is incomplete or not a ${arch} model`);
  }
  for (const p of initParams(initialized, model, 0)) params.set(p.spec.name, p.data);
  return initialized.map((s) => s.name);
}

/** The checkpoint (fresh optimizer state, step 0) and import.json, written into result.dir all at once. */
async function writeImport(result: HfImportResult, specs: ParamSpec[], params: Map<string, Float32Array>, tokenizer: TextTokenizer): Promise<void> {
  await createFolder(result.dir, (write, staging) => {
    const ordered = specs.map((spec) => ({ spec, data: params.get(spec.name)! }));
    saveCheckpoint(
      staging,
      {
        modelType: result.model_type,
        labels: result.labels,
        model: result.model,
        train: { imported_from: result.from, architecture: result.architecture },
        state: { step: 0, tokens: 0, flops: 0, train_s: 0 },
        params: ordered,
        m: ordered.map((p) => new Float32Array(p.data.length)),
        v: ordered.map((p) => new Float32Array(p.data.length)),
        tokenizerJson: JSON.stringify(tokenizerToJson(tokenizer)),
      },
      1,
    );
    const { dir: _dir, ...manifest } = result;
    write('import.json', `${JSON.stringify(manifest, null, 2)}\n`);
  });
}

function labelNames(hf: HfConfig, count: number | undefined): string[] {
  if (!count) throw new Error('the classifier has no output weight');
  return Array.from({ length: count }, (_, i) => hf.id2label?.[String(i)] ?? `LABEL_${i}`);
}

/** A HF tensor in tltc's layout: vocabulary rows renumbered, BERT positions moved down two rows. */
function reshapeFor(spec: ParamSpec, shape: number[], data: Float32Array, at: { order: number[]; offset: number; hfVocab: number; where: string }): Float32Array {
  const vocabRows = spec.name === 'roberta.embeddings.word_embeddings.weight' || spec.name === 'lm_head.bias';
  const isPositions = spec.name === 'roberta.embeddings.position_embeddings.weight';
  const expected = vocabRows ? [at.hfVocab, ...spec.shape.slice(1)] : isPositions ? [spec.shape[0] - POSITION_OFFSET + at.offset, spec.shape[1]] : spec.shape;
  if (shape.join() !== expected.join()) throw new Error(`${at.where} has shape [${shape}], expected [${expected}]`);
  if (vocabRows) {
    const width = data.length / at.hfVocab;
    const out = new Float32Array(numel(spec.shape));
    at.order.forEach((hfId, id) => out.set(data.subarray(hfId * width, (hfId + 1) * width), id * width));
    return out;
  }
  if (isPositions && at.offset === 0) {
    const out = new Float32Array(numel(spec.shape));
    out.set(data, POSITION_OFFSET * spec.shape[1]);
    return out;
  }
  return data;
}

/** tltc feeds no token types: row 0, which HF adds to every token of a single segment, joins the position table. */
function addTokenTypes(params: Map<string, Float32Array>, raw: Map<string, Float32Array>, model: ModelConfig, arch: HfArchitecture): void {
  const types = raw.get(`${HF_BASE_PREFIX[arch]}.embeddings.token_type_embeddings.weight`);
  if (!types) return;
  const positions = params.get('roberta.embeddings.position_embeddings.weight');
  if (!positions) return;
  const d = model.d_model;
  for (let r = 0; r < positions.length / d; r++) for (let k = 0; k < d; k++) positions[r * d + k] += types[k];
}

/** A stored decoder must be the word embeddings (tied), or the import would change the model. */
function checkTiedDecoder(raw: Map<string, Float32Array>, arch: HfArchitecture, params: Map<string, Float32Array>, order: number[]): void {
  const decoder = raw.get(arch === 'bert' ? 'cls.predictions.decoder.weight' : 'lm_head.decoder.weight');
  const words = params.get('roberta.embeddings.word_embeddings.weight');
  if (!decoder || !words) return;
  const d = words.length / order.length;
  const tied = order.every((hfId, id) => {
    for (let k = 0; k < d; k++) if (decoder[hfId * d + k] !== words[id * d + k]) return false;
    return true;
  });
  if (!tied) throw new Error('the MLM decoder weight differs from the word embeddings: tltc ties them, so this model cannot be imported exactly');
}
