/**
 * Pretraining distillation in the student's training graph: the teacher's forward pass runs in
 * the same graph on the same batch (its weights fed as inputs `teacher/<name>`, never
 * differentiated), and the student learns from
 *   (1 - alpha) * hard MLM loss + alpha * T^2 * KL(teacher || student) at temperature T (Hinton et al.)
 *   + hidden_weight * MSE of matched layers' states through learned projections (TinyBERT)
 *   + attention_weight * KL of the last layers' attention distributions (MiniLM).
 */
import { ops, type Graph, type Tensor } from '../graph/index.ts';
import type { ModelConfig } from './config.ts';
import { encode, mlmHead, modelContext } from './encoder.ts';
import type { LayerTaps } from './layers.ts';
import { rowsLayout } from './layout.ts';
import { mlmParamSpecs, type ParamSpec } from './params.ts';
import { ParameterInputs, type GraphWeights } from './weights.ts';
import type { MlmShape } from './mlm.ts';

export interface DistillOptions {
  teacher: ModelConfig;
  /** Weight of the soft (teacher) loss; the hard MLM loss gets 1 - alpha. */
  alpha: number;
  temperature: number;
  hiddenWeight: number;
  attentionWeight: number;
  /**
   * Layerwise imitation (Go Wide, Then Narrow) up to student layer l: the loss is the hidden-state
   * MSE over the pairs of layers 0..l alone, no masked-LM or soft-target loss.
   */
  imitate?: number;
}

export const TEACHER_PREFIX = 'teacher/';
const PROJECTION = (i: number) => `distill.hidden.${i}.weight`;

/** Pairs (student layer, teacher layer), 0 being the embeddings: student layer i reads teacher layer round(i * Lt / Ls), so the last pair is the last layers. */
export function layerMap(student: Pick<ModelConfig, 'n_layers'>, teacher: Pick<ModelConfig, 'n_layers'>): [number, number][] {
  return Array.from({ length: student.n_layers + 1 }, (_, i) => [i, Math.round((i * teacher.n_layers) / student.n_layers)]);
}

/** The projections (d_teacher, d_student) of hidden-state matching, one per matched layer; none without it. They train with the student and are not part of it. */
export function distillParamSpecs(student: ModelConfig, o: DistillOptions): ParamSpec[] {
  if (o.hiddenWeight <= 0 && o.imitate === undefined) return [];
  return layerMap(student, o.teacher).map(([i]) => ({ name: PROJECTION(i), shape: [o.teacher.d_model, student.d_model], init: 'normal', decay: true }));
}

/** Whether a checkpoint tensor is distillation's own (a projection), not the student's. */
export const isDistillParam = (name: string) => name.startsWith('distill.');

/** Why a teacher cannot teach this student, or null: the vocabulary must match, the positions cover the batch, and matching needs the widths it maps. */
export function teacherMismatch(student: ModelConfig, o: Pick<DistillOptions, 'teacher'>, seq: number): string | null {
  const t = o.teacher;
  if (t.vocab_size !== student.vocab_size) return `the teacher's vocabulary has ${t.vocab_size} tokens and the student's ${student.vocab_size}: distill on the teacher's corpus and vocab_size`;
  if (t.max_len < seq) return `the teacher has positions for ${t.max_len} tokens, fewer than the student's sequences of ${seq}: use data.seq_len <= ${t.max_len}`;
  return null;
}

interface StudentSide {
  hard: Tensor;
  logits: Tensor;
  taps: LayerTaps;
  inputIds: Tensor;
  positions: Tensor;
  maskedPositions: Tensor;
  weights: GraphWeights;
}

/** The student's distillation loss; builds the teacher's forward pass into the graph. */
export function distillationLoss(s: StudentSide, student: ModelConfig, shape: MlmShape, o: DistillOptions): Tensor {
  const g = s.hard.graph;
  if (o.imitate !== undefined) return hiddenMse(s, teacherForward(g, s, shape, o.teacher, false).taps, student, o, o.imitate);
  const teacher = teacherForward(g, s, shape, o.teacher, true);
  const soft = softTargetLoss(teacher.logits!, s.logits, o.temperature);
  let loss = ops.add(ops.mul(s.hard, 1 - o.alpha), ops.mul(soft, o.alpha));
  if (o.hiddenWeight > 0) loss = ops.add(loss, ops.mul(hiddenMse(s, teacher.taps, student, o), o.hiddenWeight));
  if (o.attentionWeight > 0) loss = ops.add(loss, ops.mul(attentionKl(s.taps.scores.at(-1)!, teacher.taps.scores.at(-1)!), o.attentionWeight));
  return loss;
}

/** The teacher's hidden states and, with `head`, its logits at the masked positions. */
function teacherForward(g: Graph, s: StudentSide, shape: MlmShape, t: ModelConfig, head: boolean): { logits?: Tensor; taps: LayerTaps } {
  return g.scope('teacher', () => {
    const taps: LayerTaps = { hidden: [], scores: [] };
    const weights = new ParameterInputs(g, mlmParamSpecs(t), TEACHER_PREFIX);
    const ctx = modelContext(t, { weights, layout: rowsLayout(shape), kernels: 'contrib', dropout: 0, taps });
    const hidden = encode(s.inputIds, s.positions, t, ctx);
    return { ...(head ? { logits: mlmHead(ops.gather(hidden, s.maskedPositions), t, ctx) } : {}), taps };
  });
}

/** Mean over rows of KL(softmax(target) || softmax(scores)) along the last axis, each side as log-probabilities. */
function klRows(targetLogP: Tensor, logP: Tensor): Tensor {
  const kl = ops.reduceSum(ops.mul(ops.exp(targetLogP), ops.sub(targetLogP, logP)), [-1]);
  return ops.reduceMean(kl);
}

/**
 * Hinton et al.'s soft-target loss: T^2 * KL(softmax(teacher / T) || softmax(student / T)) per
 * row of (rows, classes) logits, averaged over the rows, or with `weights` (rows) over the rows
 * they keep (sum(w * kl) / max(sum(w), 1)); T^2 keeps the gradient's scale independent of T.
 */
export function softTargetLoss(teacherLogits: Tensor, studentLogits: Tensor, temperature: number, weights?: Tensor): Tensor {
  const T = temperature;
  const [t, s] = [ops.logSoftmax(ops.div(teacherLogits, T)), ops.logSoftmax(ops.div(studentLogits, T))];
  if (!weights) return ops.mul(klRows(t, s), T * T);
  const kl = ops.reduceSum(ops.mul(ops.exp(t), ops.sub(t, s)), [-1]);
  const mean = ops.div(ops.reduceSum(ops.mul(kl, weights)), ops.max(ops.reduceSum(weights), 1));
  return ops.mul(mean, T * T);
}

/** Per-token standardization (zero mean, unit variance): pre-LN residual streams grow with depth, and unscaled deep layers would outweigh the rest. */
function standardized(x: Tensor, d: number): Tensor {
  const g = x.graph;
  return ops.layerNorm(x, g.constant(new Float32Array(d).fill(1), 'float32', [d], 'ones'), g.constant(new Float32Array(d), 'float32', [d], 'zeros'), 1e-5).y;
}

/** Mean over the matched pairs (those of student layers up to `upTo`) of the standardized MSE. */
function hiddenMse(s: StudentSide, teacher: LayerTaps, student: ModelConfig, o: DistillOptions, upTo = student.n_layers): Tensor {
  const terms = layerMap(student, o.teacher).filter(([i]) => i <= upTo).map(([i, j]) => {
    const projected = ops.gemm(s.taps.hidden[i], s.weights.weight(PROJECTION(i)), null, { transB: true });
    const d = o.teacher.d_model;
    const diff = ops.sub(standardized(projected, d), standardized(teacher.hidden[j], d));
    return ops.reduceMean(ops.mul(diff, diff));
  });
  return ops.div(ops.sum(terms), terms.length);
}

/**
 * KL between the last layers' attention distributions, per head when the head counts match
 * (MiniLM); otherwise between the head-averaged distributions, whose log needs a floor (1e-9).
 */
function attentionKl(studentScores: Tensor, teacherScores: Tensor): Tensor {
  if (studentScores.shape[1] === teacherScores.shape[1]) return klRows(ops.logSoftmax(teacherScores), ops.logSoftmax(studentScores));
  const headMean = (scores: Tensor) => ops.log(ops.add(ops.reduceMean(ops.softmax(scores, -1), [1]), 1e-9));
  return klRows(headMean(teacherScores), headMean(studentScores));
}
