/**
 * `tltc compress`: exports a fine-tuned classifier with the chosen weight format and measures it
 * through onnxruntime-node against the fp32 export of the same checkpoint, in the same run.
 * Writes onnx/model.onnx (fp32) and the compressed model, and compress.json (DESIGN §4).
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadTask } from '../data/tasks.ts';
import { buildClassifierExport, type WeightFormat } from '../export/classifier_graph.ts';
import { serializeGraph } from '../graph/index.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { createSession, defaultThreads } from '../runtime/session.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { loadCheckpoint } from '../train/checkpoint.ts';
import { encodeExamples } from '../train/finetune.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { medianLatency, scoreOnnx } from './measure.ts';

export const FORMAT_FILES: Record<WeightFormat, string> = { fp32: 'model.onnx', int8: 'model_quantized.onnx', int4: 'model_q4.onnx' };

export interface CompressOptions {
  checkpoint: string;
  task: string;
  quant: string;
  outDir: string;
  threads?: number;
  split?: 'val' | 'test';
}

export function parseWeightFormat(q: string): WeightFormat {
  if (q === 'int8' || q === 'int4' || q === 'fp32') return q;
  throw new Error(`--quant "${q}" is not exported yet: use int8, int4 or fp32 (other bit widths are available as fake quantization in training)`);
}

export async function compress(options: CompressOptions): Promise<Record<string, unknown>> {
  const format = parseWeightFormat(options.quant);
  const task = loadTask(options.task);
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-classifier');
  const labels = ck.config.labels ?? [];
  if (labels.length !== task.labels.length) throw new Error(`${ck.dir} was fine-tuned with ${labels.length} labels, task ${task.name} has ${task.labels.length}`);
  const model = ck.config.model;
  const threads = options.threads ?? defaultThreads();
  const tok = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
  const seq = model.max_len;
  const split = encodeExamples(tok, task[options.split ?? 'test'], seq);
  const specs = classifierParamSpecs(model, labels.length);
  const params = ck.params;
  const paramCount = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
  let nonzero = 0;
  for (const s of specs) for (const v of params.get(s.name) ?? []) if (v !== 0) nonzero++;

  const measure = async (f: WeightFormat) => {
    const file = path.join(options.outDir, 'onnx', FORMAT_FILES[f]);
    writeFileAtomic(file, serializeGraph(buildClassifierExport({ model, numLabels: labels.length, params, format: f })));
    const session = await createSession(readFileSync(file), { threads }); // measured from the file as deployed
    const scores = await scoreOnnx(session, split, seq, labels.length);
    const latencySeq = Math.min(128, seq);
    const latency = { batch1: await medianLatency(session, 1, latencySeq), batch8: await medianLatency(session, 8, latencySeq) };
    await session.release();
    return { file, bytes: statSync(file).size, scores, latency };
  };
  const fp32 = await measure('fp32');
  const q = format === 'fp32' ? fp32 : await measure(format);
  const result = {
    method: format === 'fp32' ? 'none (fp32 export)' : format === 'int8' ? 'int8 weights per output channel, dynamic int8 activations (DynamicQuantizeMatMul)' : '4-bit weights, asymmetric, block 32 (MatMulNBits)',
    task: task.name,
    split: options.split ?? 'test',
    examples: split.count,
    accuracy: q.scores.accuracy,
    macro_f1: q.scores.macro_f1,
    fp32_accuracy: fp32.scores.accuracy,
    accuracy_delta_points: 100 * (q.scores.accuracy - fp32.scores.accuracy),
    params: paramCount,
    nonzero_params: nonzero,
    bytes: q.bytes,
    fp32_bytes: fp32.bytes,
    latency_seq: Math.min(128, seq),
    latency_ms: q.latency,
    fp32_latency_ms: fp32.latency,
    threads,
    onnx: path.relative(options.outDir, q.file),
    checkpoint: ck.dir,
  };
  writeFileAtomic(path.join(options.outDir, 'compress.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
