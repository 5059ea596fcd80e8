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
  /** Layerwise imitation's share of the budget (cfg.distill.method 'layerwise'), or undefined for logit distillation. */
  imitation?: number;
}

/** Loads the teacher named in `cfg`, before any data is prepared; one-line errors for another vocabulary size or too few positions. */
export function loadTeacher(cfg: NonNullable<TrainConfig['distill']>, student: ModelConfig, seq: number): Teacher {
  const ck = loadCheckpoint(cfg.teacher);
  const teacher = ck.config.model;
  const options: DistillOptions = { teacher, alpha: cfg.alpha, temperature: cfg.temperature, hiddenWeight: cfg.hidden_weight, attentionWeight: cfg.attention_weight };
  const mismatch = teacherMismatch(student, options, seq) ?? (cfg.method === 'layerwise' ? layerwiseMismatch(student, teacher) : null);
  if (mismatch) throw new Error(`teacher ${ck.dir} (${modelName(teacher)}) cannot teach this student: ${mismatch}`);
  const specs = mlmParamSpecs(teacher);
  const params = specs.map((spec) => ({ spec, data: ck.params.get(spec.name)! }));
  const imitation = cfg.method === 'layerwise' ? { imitation: cfg.imitation } : {};
  return { options, params, record: { checkpoint: ck.dir, model: modelName(teacher), params: countParams(specs), ...ck.config.state }, tokenizerJson: ck.tokenizerJson, ...imitation };
}

/** Go Wide, Then Narrow pairs each thin layer with the wide model's layer at the same depth, and narrows: it needs equal depths and a student no wider. */
function layerwiseMismatch(student: ModelConfig, teacher: ModelConfig): string | null {
  if (student.d_model > teacher.d_model) return `layerwise imitation narrows a wide model, but the student (width ${student.d_model}) is wider than the teacher (${teacher.d_model}): use a student no wider than it`;
  if (student.n_layers !== teacher.n_layers) return `layerwise imitation pairs each layer with the teacher's at the same depth, but the student has ${student.n_layers} layers and the teacher ${teacher.n_layers}: use a student of the teacher's depth`;
  return null;
}

/**
 * Layerwise imitation's stage at a share `progress` of the budget: 1..L while imitating (stage l
 * matches layers 0..l, each stage an equal part of the imitation share), 0 once it is over.
 */
export function imitationStage(progress: number, imitation: number, layers: number): number {
  if (progress >= imitation) return 0;
  return Math.min(layers, Math.floor((progress / imitation) * layers) + 1);
}

/** The distillation a step at `progress` trains with: logit distillation throughout, or the imitation stage's, or none after it. */
export function distillationAt(t: Teacher, progress: number, layers: number): DistillOptions | undefined {
  if (t.imitation === undefined) return t.options;
  const stage = imitationStage(progress, t.imitation, layers);
  return stage === 0 ? undefined : { ...t.options, alpha: 0, hiddenWeight: 1, attentionWeight: 0, imitate: stage };
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
