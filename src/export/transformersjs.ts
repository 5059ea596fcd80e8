/**
 * `tltc export --format transformersjs`: a checkpoint as the folder transformers.js,
 * onnxruntime-node and onnxruntime-web load as it is: config.json (model_type roberta, with
 * id2label for classifiers), tokenizer.json, tokenizer_config.json, and onnx/model.onnx (fp32),
 * onnx/model_quantized.onnx (q8) and onnx/model_q4.onnx (q4, blocks of 32), each with inputs
 * input_ids and attention_mask and outputs logits and last_hidden_state.
 * The folder is created all at once (util/new_folder.ts).
 */
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { tokenizerConfigJson, tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { exportableObjective, loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { assertNewFolder, createFolder } from '../util/new_folder.ts';
import { onnxFileEntry, type OnnxFileEntry } from './onnx_file.ts';
import { compressesEmbeddings, formatFile, parseWeightFormat } from './weight_format.ts';
import { buildEncoderExport, type ExportHead } from './encoder_graph.ts';
import type { WeightFormat } from './weight_format.ts';
import { hfArchitectureName, hfConfig } from './hf_config.ts';
import { writeExitBlocks } from './early_exit_model.ts';

export interface TransformersJsOptions {
  checkpoint: string;
  outDir: string;
  /** Weight formats as `--quant` takes them; default fp32, int8 and int4 (the files transformers.js's dtype fp32, q8 and q4 load). */
  formats?: readonly string[];
}

export interface TransformersJsResult {
  dir: string;
  model_type: 'roberta';
  architecture: string;
  task: string;
  files: (OnnxFileEntry & { format: WeightFormat })[];
  /** An early-exit classifier's blocks beside each model file (`onnx/<model>.exits/`), run by tltc predict and tltc eval with an exit criterion. */
  exit_files?: OnnxFileEntry[];
}

/** An export inside the checkpoint would be read as part of it. */
export function assertOutsideCheckpoint(out: string, checkpointDir: string): void {
  const rel = path.relative(checkpointDir, out);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw new Error(`--out ${out} is inside the checkpoint ${checkpointDir}: choose a folder outside it`);
}

/**
 * The files beside onnx/ that transformers.js reads: config.json (the class to wrap the graph in,
 * and id2label), tokenizer.json and tokenizer_config.json.
 */
export function transformersJsMetadata(model: ModelConfig, head: ExportHead, labels: readonly string[] | undefined, tokenizerJson: string, where: string, objective?: 'regression'): [string, string][] {
  // transformers.js takes from config.json only the class to wrap the ONNX graph in, and it knows `roberta`.
  return [
    ['config.json', `${JSON.stringify(hfConfig(model, 'roberta', head, labels, objective), null, 2)}\n`],
    ['tokenizer.json', tokenizerJson],
    ['tokenizer_config.json', `${JSON.stringify(tokenizerConfigJson(model.max_len, tokenizerFromJson(JSON.parse(tokenizerJson), where)), null, 2)}\n`],
  ];
}

export async function exportTransformersJs(options: TransformersJsOptions): Promise<TransformersJsResult> {
  const formats = (options.formats ?? ['fp32', 'int8', 'int4']).map(parseWeightFormat);
  const ck: Checkpoint = loadCheckpoint(options.checkpoint, false, 'any');
  const head: ExportHead = ck.config.model_type === 'tltc-classifier' ? 'classifier' : 'mlm';
  const labels = ck.config.labels;
  const out = path.resolve(options.outDir);
  assertNewFolder(out);
  assertOutsideCheckpoint(out, ck.dir);
  return createFolder(out, (write, staging) => {
    const model = ck.config.model;
    for (const [name, text] of transformersJsMetadata(model, head, labels, ck.tokenizerJson, `${ck.dir}/tokenizer.json`, exportableObjective(ck))) write(name, text);
    const exitFiles: OnnxFileEntry[] = [];
    const files = formats.map((format) => {
      const file = path.join('onnx', formatFile(format));
      const input = { model, head, numLabels: labels?.length, params: ck.params, format, quantizeEmbeddings: compressesEmbeddings(format) };
      const bytes = serializeGraph(buildEncoderExport(input));
      write(file, bytes);
      if (model.exit_heads && head === 'classifier') exitFiles.push(...writeExitBlocks(input, file, staging, write));
      return { ...onnxFileEntry(staging, path.join(staging, file), bytes), format };
    });
    const result: TransformersJsResult = { dir: out, model_type: 'roberta', architecture: hfArchitectureName('roberta', head), task: head === 'classifier' ? 'text-classification' : 'fill-mask', files, ...(exitFiles.length ? { exit_files: exitFiles } : {}) };
    const { dir: _dir, ...manifest } = result; // the folder is wherever it is moved to
    write('export.json', `${JSON.stringify({ ...manifest, checkpoint: ck.dir }, null, 2)}\n`);
    return result;
  });
}
