/** compress.json files (DESIGN §4) one level under a folder, as the tables of compression grids read them. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface CompressFile {
  /** The folder the file is in. */
  name: string;
  task: string;
  model: string;
  method: string;
  accuracy: number;
  fp32_accuracy: number;
  examples: number;
  sparsity: number;
  bytes: number;
  fp32_bytes: number;
  sparse_bytes?: number;
  latency_ms: { batch1: number; batch8: number };
  fp32_latency_ms: { batch1: number; batch8: number };
  threads: number;
  onnx: string;
  /** The fine-tuned checkpoint that was compressed. */
  checkpoint: string;
  prune?: { sparsity: number; pattern?: { n: number; m: number } };
  recovery?: { steps: number; ticket?: { method: 'imp' | 'random'; rounds: unknown[] } };
  quantization: { format: { kind: string }; qat: boolean; embeddings: string };
  baselines: { majority: { accuracy: number }; bag_of_words: { accuracy: number } };
}

/** compress.json files one level under `root`, in folder-name order. */
export function compressFiles(root: string): CompressFile[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, 'compress.json')))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ ...(JSON.parse(readFileSync(path.join(root, name, 'compress.json'), 'utf8')) as Omit<CompressFile, 'name'>), name }));
}

/** A grid folder's arm: its name without the seed (`L2-H128-q4-s1` -> `L2-H128-q4`). */
export const armOf = (name: string) => name.replace(/-s\d+$/, '');

/** The fine-tuned model a file came from, without its seed: `finetuned` of `.../finetuned-s0/checkpoints/step-N`, `teacher` of `.../teacher-s1/...`. */
export const sourceOf = (f: CompressFile) => armOf(path.basename(path.dirname(path.dirname(f.checkpoint))));
