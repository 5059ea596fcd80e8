/**
 * `tltc predict`: a fine-tuned classifier (a checkpoint, or an exported ONNX file with its
 * folder's config.json and tokenizer.json) run on new texts or text pairs, batched, each
 * prediction the labels and softmax scores transformers.js's text-classification pipeline gives.
 */
import { existsSync } from 'node:fs';
import { readExportFolder } from '../export/export_folder.ts';
import { buildClassifierExport } from '../export/encoder_graph.ts';
import { openOnnxFile } from '../export/onnx_file.ts';
import { exitBlocksInMemory, openExitBlocks, type OpenedExits } from '../export/early_exit_model.ts';
import { checkCriterion, runWithExits, type ExitCriterion } from '../export/early_exit_runner.ts';
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
  /** With an exit criterion: the layers this input ran before it left (1-based). */
  exit_layer?: number;
}

/** A loaded classifier: its session, tokenizer, labels and longest input. */
export interface Classifier {
  session: ort.InferenceSession;
  tokenizer: TextTokenizer;
  labels: string[];
  seq: number;
  /** A one-output head trained on a numeric target: scores are its raw outputs. */
  regression: boolean;
  /** An early-exit model's blocks and the criterion that decides where each input leaves. */
  exits?: { blocks: OpenedExits; criterion: ExitCriterion };
  release(): Promise<void>;
}

/** Opens a classifier checkpoint (built into an fp32 graph in memory) or an exported ONNX file; with `exit`, its early-exit blocks too. */
export async function openClassifier(source: { checkpoint?: string; onnx?: string }, threads = defaultThreads(), exit?: ExitCriterion): Promise<Classifier> {
  if ((source.checkpoint === undefined) === (source.onnx === undefined)) throw new Error('pass either --checkpoint (a fine-tuned checkpoint) or --onnx (an exported classifier)');
  if (source.onnx) {
    if (!existsSync(source.onnx)) throw new Error(`--onnx ${source.onnx} does not exist: pass an .onnx file inside a folder written by tltc export or tltc compress`);
    const folder = readExportFolder(source.onnx);
    const criterion = exit && checkCriterion(exit, folder.labels.length);
    const { session } = await openOnnxFile(source.onnx, { threads });
    const blocks = criterion && (await openExitBlocks(source.onnx, { threads }).catch(async (err) => (await session.release(), Promise.reject(err))));
    return withRelease({ session, tokenizer: folder.tokenizer, labels: folder.labels, seq: folder.seq, regression: folder.regression, ...(blocks ? { exits: { blocks, criterion } } : {}) });
  }
  const ck = loadCheckpoint(source.checkpoint!, false, 'tltc-classifier');
  const objective = exportableObjective(ck);
  const labels = ck.config.labels ?? [];
  const model = ck.config.model;
  const criterion = exit && checkCriterion(exit, labels.length);
  if (criterion && !model.exit_heads) throw new Error(`${ck.dir} has no early exits: fine-tune with --early-exit, or leave out --exit-entropy and --exit-patience`);
  const input = { model, numLabels: labels.length, params: ck.params, format: { kind: 'fp32' } as const };
  const session = await createSession(serializeGraph(buildClassifierExport(input)), { threads });
  const blocks = criterion && (await exitBlocksInMemory(input, { threads }));
  const tokenizer = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
  return withRelease({ session, tokenizer, labels, seq: model.max_len, regression: objective === 'regression', ...(blocks ? { exits: { blocks, criterion } } : {}) });
}

function withRelease(c: Omit<Classifier, 'release'>): Classifier {
  return {
    ...c,
    release: async () => {
      await c.session.release();
      await c.exits?.blocks.release();
    },
  };
}

function softmax(row: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** A padded batch's logits: from the whole model, or from the exit each row left at (and how many layers it ran). */
async function batchLogits(c: Classifier, ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number): Promise<{ logits: Float32Array; layers?: Int32Array }> {
  if (c.exits) return runWithExits(c.exits.blocks, ids, mask, batch, seq, c.exits.criterion);
  const out = await c.session.run({ input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]) }, ['logits']);
  return { logits: out.logits.data as Float32Array };
}

/** One batch: rows padded to the batch's longest (the graph's axes are dynamic), logits to labels and scores. */
export async function classifyBatch(c: Classifier, inputs: readonly PredictInput[], topK = 1): Promise<Prediction[]> {
  const rows = inputs.map((x) => exampleTokens(c.tokenizer, { text: x.text, pair: x.text_pair }, c.seq));
  const seq = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(rows.length * seq);
  rows.forEach((r, i) => r.forEach((t, j) => ((ids[i * seq + j] = BigInt(t)), (mask[i * seq + j] = 1n))));
  const { logits, layers } = await batchLogits(c, ids, mask, rows.length, seq);
  const k = c.labels.length;
  const exit = (i: number) => (layers ? { exit_layer: layers[i] } : {});
  if (c.regression) return inputs.map((input, i) => ({ ...input, label: c.labels[0], score: logits[i] }));
  return inputs.map((input, i) => {
    const ranked = softmax(logits.subarray(i * k, (i + 1) * k))
      .map((score, label) => ({ label: c.labels[label], score }))
      .sort((a, b) => b.score - a.score);
    return { ...input, label: ranked[0].label, score: ranked[0].score, ...(topK > 1 ? { top_k: ranked.slice(0, topK) } : {}), ...exit(i) };
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
