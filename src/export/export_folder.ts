/**
 * What an exported classifier's folder says about the file in it: its labels (config.json's
 * id2label), its tokenizer (tokenizer.json) and its sequence length, as transformers.js reads them.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tokenizerFromJson, type TextTokenizer } from '../tokenizer/tokenizer_json.ts';

export interface ExportFolder {
  root: string;
  labels: string[];
  tokenizer: TextTokenizer;
  /** Longest input in tokens: the position table's length less RoBERTa's two offset rows. */
  seq: number;
  /** config.json's problem_type is regression: one output, a value rather than class scores. */
  regression: boolean;
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${what}`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}): export the model again`, { cause: err });
  }
}

/** The folder of `<folder>/onnx/<model>.onnx` (or of a file next to config.json) and what it holds. */
export function readExportFolder(file: string): ExportFolder {
  const parent = path.dirname(file);
  const root = existsSync(path.join(parent, 'config.json')) ? parent : path.dirname(parent);
  const hint = 'pass a file inside a folder written by tltc export (it holds config.json and tokenizer.json)';
  const config = readJson(path.join(root, 'config.json'), hint) as { id2label?: Record<string, string>; max_position_embeddings?: number; problem_type?: string };
  const labels = Object.entries(config.id2label ?? {})
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, l]) => l);
  if (labels.length === 0) throw new Error(`${path.join(root, 'config.json')} has no id2label: pass a classifier exported by tltc export`);
  const tokenizer = tokenizerFromJson(readJson(path.join(root, 'tokenizer.json'), hint), path.join(root, 'tokenizer.json'));
  return { root, labels, tokenizer, seq: (config.max_position_embeddings ?? 130) - 2, regression: config.problem_type === 'regression' };
}
