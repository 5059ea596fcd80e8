/**
 * Every exit of an early-exit classifier scored on a split, with the training graph's evaluator
 * (no dropout): what each exit alone gets, the static baseline of the entropy-threshold curve.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { serializeGraph } from '../graph/index.ts';
import { buildClassifier } from '../nn/classifier.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Parameter } from '../nn/params.ts';
import { createSession } from '../runtime/session.ts';
import { rowInputs, type EncodedSplit } from './classifier_data.ts';
import { scoreBatches, type SplitScores } from './classifier_scores.ts';
import { runRowBatches } from './feeds.ts';

const exitOutput = (i: number) => `exit_logits/${i}`;

/** The evaluation graph with one output per exit, `exit_logits/<layer>`. */
export async function exitEvaluator(model: ModelConfig, classes: number, batch: number, seq: number, threads: number): Promise<InferenceSession> {
  if (!model.exit_heads) throw new Error('exitEvaluator: the model has no early exits');
  const built = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false });
  built.exitLogits!.forEach((logits, i) => built.graph.output(logits, exitOutput(i)));
  return createSession(serializeGraph(built.graph), { threads });
}

/** Each exit's logits (rows, classes) for every row of the split, shallowest exit first. */
export async function splitExitLogits(session: InferenceSession, params: readonly Parameter[], split: EncodedSplit, layers: number, classes: number, batch: number, seq: number): Promise<Float32Array[]> {
  const out = Array.from({ length: layers }, () => new Float32Array(split.count * classes));
  await runRowBatches(session, params, split.count, batch, rowInputs(split, batch, seq), (r, start, n) => {
    out.forEach((o, i) => o.set((r[exitOutput(i)].data as Float32Array).subarray(0, n * classes), start * classes));
  });
  return out;
}

/** The scores of each exit on the split, shallowest first (the last is the full model's). */
export async function scoreExits(model: ModelConfig, params: readonly Parameter[], split: EncodedSplit, classes: number, batch: number, threads: number): Promise<SplitScores[]> {
  const session = await exitEvaluator(model, classes, batch, model.max_len, threads);
  try {
    const logits = await splitExitLogits(session, params, split, model.n_layers, classes, batch, model.max_len);
    return Promise.all(logits.map((l) => scoreBatches(split, classes, batch, async (start) => l.subarray(start * classes))));
  } finally {
    await session.release();
  }
}
