/** A distillation teacher (nn/distill.ts): its checkpoint loaded and checked against the student, and what its training cost. */
import { modelName, type ModelConfig } from '../nn/config.ts';
import { teacherMismatch, type DistillOptions } from '../nn/distill.ts';
import { mlmForwardFlops, type MlmShape } from '../nn/mlm.ts';
import { countParams, mlmParamSpecs, type Parameter } from '../nn/params.ts';
import { loadCheckpoint, type TrainState } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';

export interface Teacher {
  options: DistillOptions;
  params: Parameter[];
  /** What run.json and summary.json record: the checkpoint and the training it took. */
  record: { checkpoint: string; model: string; params: number } & TrainState;
  tokenizerJson: string;
}

/** Loads the teacher named in `cfg`, before any data is prepared; one-line errors for another vocabulary size or too few positions. */
export function loadTeacher(cfg: NonNullable<TrainConfig['distill']>, student: ModelConfig, seq: number): Teacher {
  const ck = loadCheckpoint(cfg.teacher);
  const teacher = ck.config.model;
  const options: DistillOptions = { teacher, alpha: cfg.alpha, temperature: cfg.temperature, hiddenWeight: cfg.hidden_weight, attentionWeight: cfg.attention_weight };
  const mismatch = teacherMismatch(student, options, seq);
  if (mismatch) throw new Error(`teacher ${ck.dir} (${modelName(teacher)}) cannot teach this student: ${mismatch}`);
  const specs = mlmParamSpecs(teacher);
  const params = specs.map((spec) => ({ spec, data: ck.params.get(spec.name)! }));
  return { options, params, record: { checkpoint: ck.dir, model: modelName(teacher), params: countParams(specs), ...ck.config.state }, tokenizerJson: ck.tokenizerJson };
}

/** Refuses a teacher whose tokenizer is not the run's (same size, other corpus or merges). */
export function checkTeacherTokenizer(t: Teacher, tokenizerJson: string): void {
  if (t.tokenizerJson !== tokenizerJson) throw new Error(`teacher ${t.record.checkpoint} (${t.record.model}) cannot teach this student: its tokenizer differs from this run's: distill on the teacher's corpus and vocab_size`);
}

/** The teacher's forward FLOPs on one batch, which every distillation step spends. */
export const teacherStepFlops = (t: Teacher, shape: MlmShape) => mlmForwardFlops(t.options.teacher, shape);

/** summary.json's accounting: the student's run alone, and with the teacher's training added. */
export function withTeacherCost(t: Teacher, student: { wall_s: number; flops: number }): Record<string, unknown> {
  return { teacher: t.record, wall_s_with_teacher: student.wall_s + t.record.train_s, flops_with_teacher: student.flops + t.record.flops };
}
