/** A sentence-embedding student measured: its embeddings, their cosine to the teacher's, and its exported files' bytes, fidelity and latency. */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { medianLatency } from '../export/measure.ts';
import { formatFile, type WeightFormat } from '../export/weight_format.ts';
import { cosines } from '../import/import_use_lite.ts';
import type { ModelConfig } from '../nn/config.ts';
import { createSession } from '../runtime/session.ts';
import { batchOf, type EncodedSplit } from '../train/classifier_data.ts';
import { classifierEvaluator, splitLogits } from '../train/classifier_training.ts';
import { writeClassifier } from './compress_measure.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';

export interface Student {
  model: ModelConfig;
  weights: ReadonlyMap<string, Float32Array>;
  /** Width of the embedding head. */
  dim: number;
  threads: number;
}

/** Mean and minimum cosine of each row's embedding to the teacher's. */
export function cosineFidelity(student: Float32Array, teacher: Float32Array, dim: number): { mean_cosine: number; min_cosine: number } {
  const cos = cosines(student, teacher, dim);
  return { mean_cosine: cos.reduce((a, b) => a + b, 0) / Math.max(1, cos.length), min_cosine: Math.min(...cos) };
}

/** The student's embeddings (rows, dim) of every row of `split`, from the training graph's evaluator. */
export async function embedWith(s: Student, split: EncodedSplit, batch: number): Promise<Float32Array> {
  const evaluator = await classifierEvaluator(s.model, s.dim, batch, s.model.max_len, s.threads);
  try {
    const params = classifierParamSpecs(s.model, s.dim).map((spec) => ({ spec, data: s.weights.get(spec.name)! }));
    return await splitLogits(evaluator, params, split, s.dim, batch, s.model.max_len);
  } finally {
    await evaluator.release();
  }
}

/** The student exported in each format to outDir/onnx, each file read back: bytes, fidelity on `split` against `teacher`, batch-8 latency. */
export async function exportEncoder(outDir: string, model: ModelConfig, weights: ReadonlyMap<string, Float32Array>, dim: number, threads: number, split: EncodedSplit, teacher: Float32Array, formats: readonly WeightFormat[]) {
  const out: Record<string, unknown>[] = [];
  for (const format of formats) {
    const file = path.join(outDir, 'onnx', formatFile(format));
    writeClassifier(file, model, weights, format, { split, classes: dim, threads, quantizeEmbeddings: format.kind !== 'fp32', regression: false });
    const session = await createSession(readFileSync(file), { threads });
    try {
      const rows = new Float32Array(split.count * dim);
      for (let start = 0; start < split.count; start += 8) {
        const n = Math.min(8, split.count - start);
        const { input_ids, attention_mask } = batchOf(split, Array.from({ length: n }, (_, i) => start + i), 8, model.max_len);
        rows.set(((await session.run({ input_ids, attention_mask })).logits.data as Float32Array).subarray(0, n * dim), start * dim);
      }
      const seq = Math.min(128, model.max_len);
      out.push({ format, file: path.relative(outDir, file), bytes: statSync(file).size, ...cosineFidelity(rows, teacher, dim), latency_ms_batch8: await medianLatency(session, 8, seq) });
    } finally {
      await session.release();
    }
  }
  return out;
}
