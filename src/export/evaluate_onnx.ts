/**
 * `tltc eval --onnx FILE --task T`: the accuracy of an exported classifier as deployed, read
 * back from disk through onnxruntime-node (checksums verified when its folder has a manifest),
 * with the tokenizer.json and id2label of its transformers.js folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTask, sampleExamples } from '../data/tasks.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { encodeExamples } from '../train/classifier_data.ts';
import { scoreOnnx } from './measure.ts';
import { openOnnxFile } from './onnx_file.ts';

export interface EvalOnnxOptions {
  file: string;
  task: string;
  split?: 'val' | 'test';
  examples?: number;
  threads?: number;
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${what}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}): export the model again`, { cause: err });
  }
}

export async function evaluateOnnx(options: EvalOnnxOptions): Promise<Record<string, unknown>> {
  const file = path.resolve(options.file);
  if (!existsSync(file)) throw new Error(`${file} does not exist: pass an .onnx file inside a folder written by tltc export`);
  const root = path.dirname(path.dirname(file)); // <folder>/onnx/<model>.onnx
  const task = loadTask(options.task);
  const hint = 'pass a file inside a folder written by tltc export (it holds config.json and tokenizer.json)';
  const config = readJson(path.join(root, 'config.json'), hint) as { id2label?: Record<string, string>; max_position_embeddings?: number };
  const labels = Object.entries(config.id2label ?? {})
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, l]) => l);
  if (labels.length !== task.labels.length || labels.some((l, i) => l !== task.labels[i])) {
    throw new Error(`${path.join(root, 'config.json')} has labels [${labels.join(', ')}], task ${task.name} has [${task.labels.join(', ')}]: pass the task the model was fine-tuned on`);
  }
  const tok = tokenizerFromJson(readJson(path.join(root, 'tokenizer.json'), hint), path.join(root, 'tokenizer.json'));
  const seq = (config.max_position_embeddings ?? 130) - 2;
  const opened = await openOnnxFile(file, { threads: options.threads });
  try {
    const split = encodeExamples(tok, sampleExamples(task[options.split ?? 'test'], options.examples), seq);
    const { accuracy, macro_f1 } = await scoreOnnx(opened.session, split, seq, labels.length);
    return { file, task: task.name, split: options.split ?? 'test', examples: split.count, accuracy, macro_f1, bytes: opened.bytes, checksum_verified: opened.verified };
  } finally {
    await opened.session.release();
  }
}
