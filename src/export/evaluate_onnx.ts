/**
 * `tltc eval --onnx FILE --task T`: the accuracy of an exported classifier as deployed, read
 * back from disk through onnxruntime-node (checksums verified when its folder has a manifest),
 * with the tokenizer.json and id2label of its transformers.js folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sampleExamples } from '../data/tasks.ts';
import { resolveClassificationTask, type TaskColumns } from '../data/task_source.ts';
import { encodeExamples } from '../train/classifier_data.ts';
import { readExportFolder } from './export_folder.ts';
import { scoreOnnx } from './measure.ts';
import { openOnnxFile } from './onnx_file.ts';

export interface EvalOnnxOptions {
  file: string;
  task: string;
  columns?: TaskColumns;
  split?: 'val' | 'test';
  examples?: number;
  threads?: number;
}

export async function evaluateOnnx(options: EvalOnnxOptions): Promise<Record<string, unknown>> {
  const file = path.resolve(options.file);
  if (!existsSync(file)) throw new Error(`${file} does not exist: pass an .onnx file inside a folder written by tltc export`);
  const task = await resolveClassificationTask(options.task, options.columns ?? {}, 'tltc eval --onnx');
  const { root, labels, tokenizer: tok, seq } = readExportFolder(file);
  if (labels.length !== task.labels.length || labels.some((l, i) => l !== task.labels[i])) {
    throw new Error(`${path.join(root, 'config.json')} has labels [${labels.join(', ')}], task ${task.name} has [${task.labels.join(', ')}]: pass the task the model was fine-tuned on`);
  }
  const opened = await openOnnxFile(file, { threads: options.threads });
  try {
    const split = encodeExamples(tok, sampleExamples(task[options.split ?? 'test'], options.examples), seq);
    const { accuracy, macro_f1 } = await scoreOnnx(opened.session, split, seq, labels.length);
    return { file, task: task.name, split: options.split ?? 'test', examples: split.count, accuracy, macro_f1, bytes: opened.bytes, checksum_verified: opened.verified };
  } finally {
    await opened.session.release();
  }
}
