/** A sentence-embedding student measured: its embeddings, their cosine to the teacher's, and its exported files' bytes, fidelity and latency (at the student's full sequence length). */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { medianLatency } from '../export/measure.ts';
import { formatFile, type WeightFormat } from '../export/weight_format.ts';
import { serializeGraph, type Graph } from '../graph/index.ts';
import { cosines } from '../import/import_use_lite.ts';
import type { Parameter } from '../nn/params.ts';
import { createSession } from '../runtime/session.ts';
import { meanInterval } from '../train/bootstrap.ts';
import { batchOf, type EncodedSplit } from '../train/classifier_data.ts';
import { splitLogits } from '../train/classifier_training.ts';
import { writeFileAtomic } from '../util/atomic.ts';

/** A student's weights as the measurements see them: an evaluator on them, and its deployment graph. */
export interface Student {
  params: readonly Parameter[];
  /** Embedding width (the head's outputs) and sequence length. */
  dim: number;
  seq: number;
  /** The evaluator's session for `batch` rows: parameters as inputs, output `logits`. */
  evaluator(batch: number): Promise<InferenceSession>;
  /** The deployment graph of these weights in `format`. */
  exportGraph(format: WeightFormat): Graph;
}

/** Mean cosine of each row's embedding to the teacher's, its bootstrap 95% interval over rows, and the minimum. */
export function cosineFidelity(student: Float32Array, teacher: Float32Array, dim: number): { mean_cosine: number; mean_cosine_95: [number, number]; min_cosine: number } {
  const cos = cosines(student, teacher, dim);
  return { mean_cosine: cos.reduce((a, b) => a + b, 0) / Math.max(1, cos.length), mean_cosine_95: meanInterval(cos), min_cosine: Math.min(...cos) };
}

/** The student's embeddings (rows, dim) of every row of `split`. */
export async function embedWith(s: Student, split: EncodedSplit, batch: number): Promise<Float32Array> {
  const evaluator = await s.evaluator(batch);
  try {
    return await splitLogits(evaluator, s.params, split, s.dim, batch, s.seq);
  } finally {
    await evaluator.release();
  }
}

/** The student exported in each format to outDir/onnx, each file read back: bytes, fidelity on `split` against `teacher`, batch-8 latency. */
export async function exportEncoder(outDir: string, s: Student, threads: number, split: EncodedSplit, teacher: Float32Array, formats: readonly WeightFormat[]) {
  const out: Record<string, unknown>[] = [];
  for (const format of formats) {
    const file = path.join(outDir, 'onnx', formatFile(format));
    const bytes = serializeGraph(s.exportGraph(format));
    writeFileAtomic(file, bytes);
    const session = await createSession(bytes, { threads });
    try {
      const rows = new Float32Array(split.count * s.dim);
      for (let start = 0; start < split.count; start += 8) {
        const n = Math.min(8, split.count - start);
        const { input_ids, attention_mask } = batchOf(split, Array.from({ length: n }, (_, i) => start + i), 8, s.seq);
        rows.set(((await session.run({ input_ids, attention_mask })).logits.data as Float32Array).subarray(0, n * s.dim), start * s.dim);
      }
      out.push({ format, file: path.relative(outDir, file), bytes: statSync(file).size, ...cosineFidelity(rows, teacher, s.dim), latency_ms_batch8: await medianLatency(session, 8, s.seq) });
    } finally {
      await session.release();
    }
  }
  return out;
}
