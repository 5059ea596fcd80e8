/**
 * `tltc finetune`: a pretrained encoder with a fresh classification head, trained on a task
 * within a budget, scored on val and test; writes finetune.json and a classifier checkpoint.
 * Steps: load -> encode the task -> train into a checkpoint -> score -> summarize.
 */
import path from 'node:path';
import { sampleExamples, type Example } from '../data/tasks.ts';
import { resolveClassificationTask, type TaskColumns } from '../data/task_source.ts';
import { classifierParamSpecs } from '../nn/classifier.ts';
import { modelName, type ModelConfig, type Pooling } from '../nn/config.ts';
import { initParams, type Parameter } from '../nn/params.ts';
import { defaultThreads } from '../runtime/session.ts';
import { loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import type { SplitScores } from '../train/classifier_scores.ts';
import type { Baselines } from '../train/bow_baseline.ts';
import { classifierEvaluator, scoreSplit } from '../train/classifier_training.ts';
import { scoreExits } from '../train/early_exit_scores.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { EarlyBertSchema } from '../train/config.ts';
import type { EarlyBertConfig } from '../train/earlybert.ts';
import { searchTicket } from './finetune_earlybert.ts';
import { classifierBudget, collapseWarning, freshOutDir, splitEncoder, taskBaselines, trainClassifierCheckpoint, withRunLock, type ClassifierRun } from './classifier_steps.ts';
import { trainIa3, trainPrompt, type Adapter } from './finetune_peft.ts';
import { labelWithTeacher, openTeacher, softTargetFeeds, type TaskTeacher } from './finetune_distill.ts';
import { dropSnapshots, findSnapshot } from './finetune_resume.ts';

/** Measured in docs/RESULTS.md (the downstream protocol). */
export const DEFAULT_POOLING: Pooling = 'first';

export interface FinetuneOptions {
  checkpoint: string;
  /** A built-in task's name or the path of the user's files. */
  task: string;
  /** Columns of a file task. */
  columns?: TaskColumns;
  outDir: string;
  budget?: string;
  batchSize?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  /** Score val and test on this many examples each (a fixed random subset) instead of all. */
  evalExamples?: number;
  /** The head's input: each sequence's first token or its mean over tokens (nn/config.ts). */
  pooling?: Pooling;
  quiet?: boolean;
  /** Stops fine-tuning after the current step: the model so far is saved, scored and reported with `stopped: true`. */
  signal?: AbortSignal;
  /** Called after every training step. */
  onStep?: (progress: { step: number; fraction: number; loss: number }) => void;
  /**
   * 'earlybert': search for an early-bird ticket, then fine-tune the smaller model (finetune_earlybert.ts);
   * 'ia3': train only (IA)^3's vectors and the head, merged into the weights afterwards (nn/ia3_weights.ts);
   * 'prompt': train only `promptLength` soft-prompt vectors and the head (prompt tuning, finetune_peft.ts).
   */
  method?: 'earlybert' | 'ia3' | 'prompt';
  /** Soft-prompt vectors for method 'prompt' (default 20). */
  promptLength?: number;
  /** Task distillation: a classifier fine-tuned on the task whose logits on the training split teach the student (finetune_distill.ts). */
  teacher?: string;
  /** The soft-target loss's weight (default 0.5; the labels' loss gets 1 - alpha) and temperature (default 2). */
  distillAlpha?: number;
  distillTemperature?: number;
  /** EarlyBERT's settings (config.ts EarlyBertSchema); unset ones take its defaults. */
  earlybert?: Partial<EarlyBertConfig>;
  /** Early exit (nn/early_exit.ts): a head after every layer, trained jointly; finetune.json scores each exit. */
  earlyExit?: boolean;
  /** Continue the interrupted fine-tuning in outDir from its newest snapshot (finetune_resume.ts). */
  resume?: boolean;
  /** Training seconds between snapshots to resume from (default 60). */
  snapshotEveryS?: number;
}

export interface FinetuneResult {
  task: string;
  model: string;
  checkpoint: string;
  steps: number;
  train_s: number;
  /** Peak fine-tuning rate and the head's pooling. */
  lr: number;
  pooling: Pooling;
  val: SplitScores;
  test: SplitScores;
  /** The majority class and a bag of words, trained on the same training split and scored on the same examples. */
  baselines: { val: Baselines; test: Baselines };
  warnings: string[];
  /** Present when options.signal ended fine-tuning before its budget. */
  stopped?: true;
  /** With --method earlybert: the search and the ticket (ticket.json in the output folder has every draw). */
  earlybert?: Record<string, unknown>;
  /** With --teacher: the teacher, the soft-target settings and what the teacher cost (its pretraining, fine-tuning and labelling). */
  teacher?: TaskTeacher & { alpha: number; temperature: number };
  /** With --teacher: train_s plus every second the teacher cost. */
  train_s_with_teacher?: number;
  /** With --early-exit: each exit's scores, shallowest first (the last is val and test). */
  exits?: { val: SplitScores[]; test: SplitScores[] };
  /** With --method ia3 or prompt: the task's add-on (the vectors or the prompt, and the head) as adapter.safetensors, and what trained. */
  adapter?: Adapter;
}

/** What fine-tuning trained: the model (smaller after an EarlyBERT search), its weights and checkpoint. */
interface Trained {
  model: ModelConfig;
  params: Parameter[];
  checkpoint: string;
  steps: number;
  trainS: number;
  lr: number;
  earlybert?: Record<string, unknown>;
  adapter?: FinetuneResult['adapter'];
}

interface TrainingPlan {
  options: FinetuneOptions;
  ck: Checkpoint;
  model: ModelConfig;
  labels: string[];
  train: EncodedSplit;
  outDir: string;
  budget: string;
  batch: number;
  seed: number;
  threads: number;
  /** Task distillation's soft targets, when a teacher labelled the training split. */
  soft?: ClassifierRun['soft'];
  /** The settings a snapshot must share to be resumed, and the snapshot, if any. */
  resumeKey: Record<string, unknown>;
  resumeFrom: Checkpoint | null;
}

async function trainFinetuned(p: TrainingPlan): Promise<Trained> {
  const { options: o, ck, labels, train, outDir, budget, batch, seed, threads } = p;
  const params = classifierFromEncoder(ck, p.model, labels.length, seed);
  const common = { labels, train, batch, lr: o.lr, seed, threads, quiet: o.quiet, outDir, from: ck, signal: o.signal, onStep: o.onStep, soft: p.soft };
  const record = { task: o.task, budget, resume_key: p.resumeKey };
  const resumable = { resume: p.resumeFrom, snapshotEveryS: o.snapshotEveryS ?? 60 };
  if (o.method === 'ia3' || o.method === 'prompt') {
    const t = await (o.method === 'ia3' ? trainIa3 : trainPrompt)({ ...common, ...resumable, model: p.model, budget, record }, params);
    return { model: p.model, ...t };
  }
  if (o.method !== 'earlybert') {
    const t = await trainClassifierCheckpoint({ ...common, ...resumable, model: p.model, params, budget, record });
    return { model: p.model, params, checkpoint: t.checkpoint, steps: t.steps, trainS: t.trainS, lr: t.opt.lr };
  }
  const config = EarlyBertSchema.parse(o.earlybert ?? {});
  const found = await searchTicket({ model: p.model, classes: labels.length, params, train, batch, budget: classifierBudget(budget, train.count, batch), lr: o.lr, seed, threads, quiet: o.quiet, config, signal: o.signal });
  writeFileAtomic(path.join(outDir, 'ticket.json'), `${JSON.stringify({ ...found.record, search: found.search }, null, 2)}\n`);
  const r = found.record;
  const earlybert = { full: r.full, ticket: r.model, layer_heads: r.layer_heads, layer_ffn: r.layer_ffn, found_at: r.found_at, search: found.search, weights: config.weights, kind: config.ticket, ticket_budget: found.remaining };
  const t = await trainClassifierCheckpoint({ ...common, model: found.model, params: found.params, budget: found.remaining, label: 'earlybert ticket', record: { ...record, method: 'earlybert', earlybert } });
  return { model: found.model, params: found.params, checkpoint: t.checkpoint, steps: found.search.steps + t.steps, trainS: found.search.train_s + t.trainS, lr: t.opt.lr, earlybert };
}

/** What a fine-tuning's snapshot must share with the command that resumes it. */
export function resumeKeyOf(o: FinetuneOptions, ck: Checkpoint, batch: number, seed: number): Record<string, unknown> {
  if (o.resume && o.method === 'earlybert') throw new Error('--resume does not cover --method earlybert (its search and ticket training are two runs): start it again');
  const distill = o.teacher ? { teacher: path.resolve(o.teacher), alpha: o.distillAlpha ?? 0.5, temperature: o.distillTemperature ?? 2 } : null;
  return { from: path.resolve(ck.dir), task: o.task, budget: o.budget ?? '3m', batch, seed, lr: o.lr ?? null, method: o.method ?? 'full', early_exit: o.earlyExit === true, prompt_length: o.promptLength ?? null, pooling: o.pooling ?? DEFAULT_POOLING, distill };
}

/** The soft prompt's length of a prompt-tuning run, refused in one line when the model's sequences are shorter. */
function promptOf(o: FinetuneOptions, model: ModelConfig): { prompt_length?: number } {
  if (o.promptLength !== undefined && o.method !== 'prompt') throw new Error('--prompt-length needs --method prompt');
  if (o.method !== 'prompt') return {};
  const k = o.promptLength ?? 20;
  if (!(Number.isInteger(k) && k >= 1 && k <= model.max_len)) throw new Error(`--prompt-length ${k} must be a whole number from 1 to the model's sequence length, ${model.max_len}`);
  return { prompt_length: k };
}

/** The teacher of a task distillation (--teacher), checked before anything is written; refuses distillation settings without one. */
function openTaskTeacher(o: FinetuneOptions, task: { name: string; labels: readonly string[] }): Checkpoint | null {
  if (!o.teacher) {
    if (o.distillAlpha !== undefined || o.distillTemperature !== undefined) throw new Error('--distill-alpha and --distill-temperature need --teacher DIR');
    return null;
  }
  if (o.method === 'earlybert') throw new Error('--teacher and --method earlybert are separate: distill into a full, ia3 or prompt fine-tuning');
  if (o.distillAlpha !== undefined && !(o.distillAlpha >= 0 && o.distillAlpha <= 1)) throw new Error(`--distill-alpha must be in [0, 1], got ${o.distillAlpha}`);
  if (o.distillTemperature !== undefined && !(o.distillTemperature > 0)) throw new Error(`--distill-temperature must be positive, got ${o.distillTemperature}`);
  return openTeacher(o.teacher, task);
}

/** The teacher's logits on the training split, as the soft targets of the student's steps. */
async function softTargets(o: FinetuneOptions, teacherCk: Checkpoint, task: { labels: readonly string[]; train: readonly Example[] }, batch: number, threads: number) {
  const { logits, teacher } = await labelWithTeacher(teacherCk, task.train, batch, threads);
  const [alpha, temperature] = [o.distillAlpha ?? 0.5, o.distillTemperature ?? 2];
  return { soft: { alpha, temperature, rowFeeds: softTargetFeeds(logits, task.labels.length, batch) }, teacher: { ...teacher, alpha, temperature } };
}

/** finetune.json's teacher record, and the student's seconds with every second the teacher cost. */
function withTeacherTime(teacher: NonNullable<FinetuneResult['teacher']>, trainS: number): Pick<FinetuneResult, 'teacher' | 'train_s_with_teacher'> {
  return { teacher, train_s_with_teacher: trainS + teacher.finetune_s + (teacher.pretrain_s ?? 0) + teacher.labeling_s };
}

/** The encoder's weights from the checkpoint, the head's freshly initialized. */
export function classifierFromEncoder(ck: Checkpoint, model: ModelConfig, classes: number, seed: number): Parameter[] {
  const specs = classifierParamSpecs(model, classes);
  const fresh = initParams(specs, model, seed);
  return specs.map((spec, i) => ({ spec, data: ck.params.get(spec.name) ?? fresh[i].data }));
}

/** The early exits of a fine-tuning (--early-exit), refused where they do not apply. */
function exitsOf(o: FinetuneOptions): { exit_heads?: true } {
  if (!o.earlyExit) return {};
  if (o.method !== undefined) throw new Error(`--early-exit trains a head after every layer of the whole model: use it without --method ${o.method}`);
  return { exit_heads: true };
}

/** Each exit's scores on val and test; the last exit's are the model's. */
async function scoreSplitExits(model: ModelConfig, classes: number, params: Parameter[], splits: EncodedSplit[], batch: number, threads: number): Promise<SplitScores[][]> {
  const scores: SplitScores[][] = [];
  for (const split of splits) scores.push(await scoreExits(model, params, split, classes, batch, threads));
  return scores;
}

/** Scores of each split with the training graph's evaluator (no dropout). */
async function scoreSplits(model: ModelConfig, classes: number, params: Parameter[], splits: EncodedSplit[], batch: number, threads: number): Promise<SplitScores[]> {
  const evaluator = await classifierEvaluator(model, classes, batch, model.max_len, threads);
  try {
    const scores: SplitScores[] = [];
    for (const split of splits) scores.push(await scoreSplit(evaluator, params, split, classes, batch, model.max_len));
    return scores;
  } finally {
    await evaluator.release();
  }
}

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const budget = options.budget ?? '3m';
  classifierBudget(budget, 1, 1); // a bad budget fails before any work
  const task = await resolveClassificationTask(options.task, options.columns ?? {}, 'finetune() (finetuneRegression() trains a numeric target)');
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-mlm');
  const prompt = promptOf(options, ck.config.model);
  const exits = exitsOf(options);
  const teacherCk = openTaskTeacher(options, task);
  const outDir = freshOutDir(options.outDir, 'finetune.json', 'a fine-tuned model');
  if (options.method !== undefined && ck.config.model.n_experts !== undefined) throw new Error(`${ck.dir} has Switch expert layers, which --method ${options.method} does not handle (it works on dense FFNs): fine-tune it without --method`);
  return withRunLock(outDir, async () => {
    const model: ModelConfig = { ...ck.config.model, pooling: options.pooling ?? DEFAULT_POOLING, ...prompt, ...exits };
    const [batch, seed, threads] = [options.batchSize ?? 16, options.seed ?? 0, options.threads ?? defaultThreads()];
    const encode = splitEncoder(ck);
    const resumeKey = resumeKeyOf(options, ck, batch, seed);
    const resumeFrom = options.method === 'earlybert' ? null : findSnapshot(outDir, resumeKey, options.resume === true);
    const taught = teacherCk ? await softTargets(options, teacherCk, task, batch, threads) : null;
    const trained = await trainFinetuned({ options, ck, model, labels: task.labels, train: encode(task.train), outDir, budget, batch, seed, threads, soft: taught?.soft, resumeKey, resumeFrom });
    const splits = { val: sampleExamples(task.val, options.evalExamples), test: sampleExamples(task.test, options.evalExamples) };
    const encoded = [encode(splits.val), encode(splits.test)];
    const exitScores = trained.model.exit_heads ? await scoreSplitExits(trained.model, task.labels.length, trained.params, encoded, batch, threads) : null;
    const [val, test] = exitScores ? exitScores.map((s) => s[s.length - 1]) : await scoreSplits(trained.model, task.labels.length, trained.params, encoded, batch, threads);
    const base = taskBaselines(task, splits, `val+test/${options.evalExamples ?? 'all'}`) as FinetuneResult['baselines'];
    const warnings = [collapseWarning(`the fine-tuned ${modelName(trained.model)}`, test, task.labels.length)].filter((w): w is string => w !== null);
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const result: FinetuneResult = { task: task.name, model: modelName(model), checkpoint: trained.checkpoint, steps: trained.steps, train_s: trained.trainS, lr: trained.lr, pooling: model.pooling ?? 'first', val, test, baselines: base, warnings, ...(exitScores ? { exits: { val: exitScores[0], test: exitScores[1] } } : {}), ...(trained.earlybert ? { earlybert: trained.earlybert } : {}), ...(trained.adapter ? { adapter: trained.adapter } : {}), ...(taught ? withTeacherTime(taught.teacher, trained.trainS) : {}), ...(options.signal?.aborted ? { stopped: true } : {}) };
    writeFileAtomic(path.join(outDir, 'finetune.json'), `${JSON.stringify(result, null, 2)}\n`);
    dropSnapshots(outDir);
    return result;
  });
}