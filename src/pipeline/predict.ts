/**
 * `tltc predict`: a fine-tuned classifier (a checkpoint, or an exported ONNX file with its
 * folder's config.json and tokenizer.json) run on new texts or text pairs, batched, each
 * prediction the labels and softmax scores transformers.js's text-classification pipeline gives.
 */
import { existsSync } from 'node:fs';
import { readExportFolder } from '../export/export_folder.ts';
import { buildClassifierExport } from '../export/encoder_graph.ts';
import { openOnnxFile } from '../export/onnx_file.ts';
import { serializeGraph } from '../graph/serialize.ts';
import { createSession, defaultThreads, ortTensor, type ort } from '../runtime/session.ts';
import { PAD } from '../tokenizer/tokenizer.ts';
import { tokenizerFromJson, type TextTokenizer } from '../tokenizer/tokenizer_json.ts';
import { exportableObjective, loadCheckpoint } from '../train/checkpoint.ts';
import { exampleTokens } from '../train/classifier_data.ts';

export interface PredictInput {
  text: string;
  text_pair?: string;
}

/** A class and its probability; for a regression head (as Hugging Face's pipeline gives it), the target's name and the predicted value. */
export interface Prediction extends PredictInput {
  label: string;
  score: number;
  /** The `top_k` most likely labels, best first, when more than one is asked for. */
  top_k?: { label: string; score: number }[];
}

/** A loaded classifier: its session, tokenizer, labels and longest input. */
export interface Classifier {
  session: ort.InferenceSession;
  tokenizer: TextTokenizer;
  labels: string[];
  seq: number;
  /** A one-output head trained on a numeric target: scores are its raw outputs. */
  regression: boolean;
  release(): Promise<void>;
}

/** Opens a classifier checkpoint (built into an fp32 graph in memory) or an exported ONNX file. */
export async function openClassifier(source: { checkpoint?: string; onnx?: string }, threads = defaultThreads()): Promise<Classifier> {
  if ((source.checkpoint === undefined) === (source.onnx === undefined)) throw new Error('pass either --checkpoint (a fine-tuned checkpoint) or --onnx (an exported classifier)');
  if (source.onnx) {
    if (!existsSync(source.onnx)) throw new Error(`--onnx ${source.onnx} does not exist: pass an .onnx file inside a folder written by tltc export or tltc compress`);
    const folder = readExportFolder(source.onnx);
    const { session } = await openOnnxFile(source.onnx, { threads });
    return { session, tokenizer: folder.tokenizer, labels: folder.labels, seq: folder.seq, regression: folder.regression, release: () => session.release() };
  }
  const ck = loadCheckpoint(source.checkpoint!, false, 'tltc-classifier');
  const objective = exportableObjective(ck);
  const labels = ck.config.labels ?? [];
  const model = ck.config.model;
  const graph = buildClassifierExport({ model, numLabels: labels.length, params: ck.params, format: { kind: 'fp32' } });
  const session = await createSession(serializeGraph(graph), { threads });
  const tokenizer = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
  return { session, tokenizer, labels, seq: model.max_len, regression: objective === 'regression', release: () => session.release() };
}

function softmax(row: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** One batch: rows padded to the batch's longest (the graph's axes are dynamic), logits to labels and scores. */
export async function classifyBatch(c: Classifier, inputs: readonly PredictInput[], topK = 1): Promise<Prediction[]> {
  const rows = inputs.map((x) => exampleTokens(c.tokenizer, { text: x.text, pair: x.text_pair }, c.seq));
  const seq = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(rows.length * seq);
  rows.forEach((r, i) => r.forEach((t, j) => ((ids[i * seq + j] = BigInt(t)), (mask[i * seq + j] = 1n))));
  const out = await c.session.run({ input_ids: ortTensor('int64', ids, [rows.length, seq]), attention_mask: ortTensor('int64', mask, [rows.length, seq]) }, ['logits']);
  const logits = out.logits.data as Float32Array;
  const k = c.labels.length;
  if (c.regression) return inputs.map((input, i) => ({ ...input, label: c.labels[0], score: logits[i] }));
  return inputs.map((input, i) => {
    const ranked = softmax(logits.subarray(i * k, (i + 1) * k))
      .map((score, label) => ({ label: c.labels[label], score }))
      .sort((a, b) => b.score - a.score);
    return { ...input, label: ranked[0].label, score: ranked[0].score, ...(topK > 1 ? { top_k: ranked.slice(0, topK) } : {}) };
  });
}

/** Predictions for a stream of inputs, in order, `batch` at a time. */
export async function* classifyAll(c: Classifier, inputs: AsyncIterable<PredictInput> | Iterable<PredictInput>, options: { topK?: number; batch?: number } = {}): AsyncGenerator<Prediction> {
  const size = options.batch ?? 32;
  let pending: PredictInput[] = [];
  for await (const input of inputs) {
    pending.push(input);
    if (pending.length === size) {
      yield* await classifyBatch(c, pending, options.topK);
      pending = [];
    }
  }
  if (pending.length > 0) yield* await classifyBatch(c, pending, options.topK);
}
