/**
 * `tltc export --format hf`: a checkpoint as the folder Hugging Face `transformers` loads with
 * from_pretrained: config.json (RoBERTa for post-LN models, RoBERTa-PreLayerNorm for pre-LN),
 * model.safetensors under HF's tensor names (nn/hf_names.ts), tokenizer.json and
 * tokenizer_config.json. HF has no per-layer sizes, so structurally pruned layers are padded back
 * with zeros that compute nothing; its token-type table is one zero row, which adds nothing.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { padStructures } from '../compress/structured.ts';
import { encodeSafetensors, type StTensor } from '../io/safetensors.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { isExitParam } from '../nn/early_exit.ts';
import type { ModelConfig } from '../nn/config.ts';
import { HF_BASE_PREFIX, hfArchitectureOf, toHfName } from '../nn/hf_names.ts';
import { mlmParamSpecs, type ParamSpec } from '../nn/params.ts';
import { tokenizerConfigJson, tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { exportableObjective, loadCheckpoint } from '../train/checkpoint.ts';
import { assertNewFolder, createFolder } from '../util/new_folder.ts';
import type { ExportHead } from './encoder_graph.ts';
import { hfArchitectureName, hfConfig } from './hf_config.ts';
import { assertOutsideCheckpoint } from './transformersjs.ts';

export interface HfExportResult {
  dir: string;
  model_type: 'roberta' | 'roberta-prelayernorm';
  architecture: string;
  /** Heads and neurons padded back as zeros, over all layers (0 for an unpruned model). */
  padded: { heads: number; neurons: number };
  files: { file: string; bytes: number; sha256: string }[];
}

/** tltc parameters (in `specs` order) as HF tensors, with the token-type table HF expects. */
export function hfStateDict(model: ModelConfig, specs: readonly ParamSpec[], params: ReadonlyMap<string, Float32Array>, arch: 'roberta' | 'roberta-prelayernorm'): Map<string, StTensor> {
  const tensors = new Map<string, StTensor>();
  for (const s of specs) {
    const data = params.get(s.name);
    if (!data) throw new Error(`export: the checkpoint has no tensor ${s.name}`);
    tensors.set(toHfName(s.name, arch), { dtype: 'F32', shape: s.shape, data });
  }
  tensors.set(`${HF_BASE_PREFIX[arch]}.embeddings.token_type_embeddings.weight`, { dtype: 'F32', shape: [1, model.d_model], data: new Float32Array(model.d_model) });
  return tensors;
}

export async function exportHuggingFace(options: { checkpoint: string; outDir: string }): Promise<HfExportResult> {
  const ck = loadCheckpoint(options.checkpoint, false, 'any');
  if (ck.config.model.prompt_length !== undefined) throw new Error(`${ck.dir} reads a soft prompt (prompt tuning), which Hugging Face's RoBERTa has no place for: export it with --format transformersjs (the ONNX graph reads the prompt)`);
  if (ck.config.model.n_experts !== undefined) throw new Error(`${ck.dir} has Switch expert layers, which Hugging Face's RoBERTa has no place for: export it with --format transformersjs (the ONNX graph routes as training did)`);
  const arch = hfArchitectureOf(ck.config.model);
  const head: ExportHead = ck.config.model_type === 'tltc-classifier' ? 'classifier' : 'mlm';
  const out = path.resolve(options.outDir);
  assertNewFolder(out);
  assertOutsideCheckpoint(out, ck.dir);
  const labels = ck.config.labels;
  const pruned = ck.config.model;
  const { model, params } = padStructures(pruned, ck.params);
  const sum = (sizes: readonly number[] | undefined, full: number) => (sizes ?? []).reduce((a, n) => a + full - n, 0);
  const padded = { heads: sum(pruned.layer_heads, pruned.n_heads), neurons: sum(pruned.layer_ffn, pruned.d_ff) };
  return createFolder(out, (write) => {
    const files: HfExportResult['files'] = [];
    const put = (file: string, data: string | Uint8Array) => {
      write(file, data);
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      files.push({ file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    };
    put('config.json', `${JSON.stringify(hfConfig(model, arch, head, labels, exportableObjective(ck)), null, 2)}\n`);
    // Early exits' heads have no place in Hugging Face's RoBERTa: the file is the full model, its last exit.
    const specs = head === 'classifier' ? classifierParamSpecs(model, labels!.length).filter((s) => !isExitParam(s.name)) : mlmParamSpecs(model);
    put('model.safetensors', encodeSafetensors(hfStateDict(model, specs, params, arch), { format: 'pt' }));
    put('tokenizer.json', ck.tokenizerJson);
    put('tokenizer_config.json', `${JSON.stringify(tokenizerConfigJson(model.max_len, tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`)), null, 2)}\n`);
    const result: HfExportResult = { dir: out, model_type: arch, architecture: hfArchitectureName(arch, head), padded, files };
    const { dir: _dir, ...manifest } = result;
    write('export.json', `${JSON.stringify({ format: 'hf', ...manifest, checkpoint: ck.dir }, null, 2)}\n`);
    return result;
  });
}
