/**
 * Task distillation: a teacher classifier fine-tuned on the task labels the training examples
 * with its logits, once, and the student classifier learns from them beside the true labels
 * (classifier.ts `soft`). The teacher reads the texts with its own tokenizer, so it may come from
 * another vocabulary; what it cost (its pretraining, fine-tuning and labelling) is recorded.
 */
import type { Example } from '../data/tasks.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { modelName } from '../nn/config.ts';
import { ortTensor } from '../runtime/session.ts';
import { loadCheckpoint, readCheckpointConfig, resolveCheckpointDir, type Checkpoint } from '../train/checkpoint.ts';
import { classifierEvaluator, splitLogits } from '../train/classifier_training.ts';
import type { Feeds } from '../train/feeds.ts';
import { splitEncoder } from './classifier_steps.ts';

export interface TaskTeacher {
  checkpoint: string;
  model: string;
  /** Seconds the teacher's fine-tuning trained, its pretraining's (when its checkpoint is found), and labelling the training split. */
  finetune_s: number;
  pretrain_s?: number;
  labeling_s: number;
}

/** A teacher classifier for the task, checked before any work: one-line errors for a teacher of other classes or a regression head. */
export function openTeacher(dir: string, task: { name: string; labels: readonly string[] }): Checkpoint {
  const ck = loadCheckpoint(dir, false, 'tltc-classifier');
  if (ck.config.objective === 'regression') throw new Error(`teacher ${ck.dir} predicts a number: task distillation needs a classifier fine-tuned on --task ${task.name}`);
  const labels = ck.config.labels ?? [];
  if (labels.join('\u0000') !== task.labels.join('\u0000')) throw new Error(`teacher ${ck.dir} was fine-tuned for the classes [${labels.join(', ')}], not this task's [${task.labels.join(', ')}]: pass a teacher fine-tuned on --task ${task.name}`);
  return ck;
}

/** The teacher's logits (examples, classes) on `train`, in order, and what the teacher cost. */
export async function labelWithTeacher(ck: Checkpoint, train: readonly Example[], batch: number, threads: number): Promise<{ logits: Float32Array; teacher: TaskTeacher }> {
  const labels = ck.config.labels!;
  const model = ck.config.model;
  const params = classifierParamSpecs(model, labels.length).map((spec) => ({ spec, data: ck.params.get(spec.name)! }));
  const split = splitEncoder(ck)(train);
  const t0 = performance.now();
  const evaluator = await classifierEvaluator(model, labels.length, batch, model.max_len, threads);
  try {
    const logits = await splitLogits(evaluator, params, split, labels.length, batch, model.max_len);
    const teacher = { checkpoint: ck.dir, model: modelName(model), finetune_s: ck.config.state.train_s, ...pretrainSeconds(ck.config.train), labeling_s: (performance.now() - t0) / 1000 };
    return { logits, teacher };
  } finally {
    await evaluator.release();
  }
}

/** The pretraining seconds of the checkpoint a teacher was fine-tuned from, when it is still there. */
function pretrainSeconds(train: unknown): { pretrain_s?: number } {
  const from = (train as { from?: string } | undefined)?.from;
  try {
    return from ? { pretrain_s: readCheckpointConfig(resolveCheckpointDir(from)).state.train_s } : {};
  } catch {
    return {}; // moved or deleted since: the record says only what it can
  }
}

/** Feeds `teacher_logits` and `teacher_weights` for a batch of training rows (padding rows weigh 0). */
export function softTargetFeeds(logits: Float32Array, classes: number, batch: number, input = 'teacher_logits'): (rows: Int32Array) => Feeds {
  return (rows) => {
    const out = new Float32Array(batch * classes);
    const weights = new Float32Array(batch);
    rows.forEach((r, b) => {
      out.set(logits.subarray(r * classes, (r + 1) * classes), b * classes);
      weights[b] = 1;
    });
    return { [input]: ortTensor('float32', out, [batch, classes]), teacher_weights: ortTensor('float32', weights, [batch]) };
  };
}
