/**
 * The students a sentence encoder can teach: a pretrained tltc transformer (mean-pooled, a head
 * to the teacher's width) or a CMOW/CBOW hybrid trained from scratch on the same tokenizer
 * (nn/cmow.ts). Each knows how to train on the teacher's embeddings (with snapshots to resume
 * from), how to be evaluated on given weights, and how to be exported.
 */
import path from 'node:path';
import { buildCmowExport } from '../export/cmow_graph.ts';
import { buildClassifierExport } from '../export/encoder_graph.ts';
import { compressesEmbeddings } from '../export/weight_format.ts';
import { serializeGraph } from '../graph/index.ts';
import { buildCmow, cmowParamSpecs, CmowConfigSchema, initCmow, parseCmowName, type CmowConfig } from '../nn/cmow.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import type { Parameter } from '../nn/params.ts';
import { createSession } from '../runtime/session.ts';
import { saveCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { classifierEvaluator, trainClassifier, type TrainingState } from '../train/classifier_training.ts';
import type { Feeds } from '../train/feeds.ts';
import { classifierBudget, classifierOptimizer, trainClassifierCheckpoint, type ClassifierRun } from './classifier_steps.ts';
import { classifierFromEncoder } from './finetune.ts';
import { findSnapshot, snapshotDir, stateFrom } from './finetune_resume.ts';
import type { Student } from './sentence_measure.ts';

/** How a student trains: the sentences, the teacher's embeddings for each step's rows, and the run's settings. */
/** What training a student needs: a classifier run's data and settings, the teacher's embeddings as row feeds, and how it resumes. */
export type StudentRun = Pick<ClassifierRun, 'train' | 'batch' | 'budget' | 'lr' | 'seed' | 'threads' | 'quiet' | 'outDir'> & {
  rowFeeds: (rows: Int32Array) => Feeds;
  record: Record<string, unknown> & { resume_key: Record<string, unknown> };
  resume: boolean;
  snapshotEveryS: number;
};

export interface SentenceStudent {
  /** `L2-H128`, or `cmow-M16-C256`. */
  name: string;
  /** What it starts from: the pretrained checkpoint, or fresh weights on that checkpoint's tokenizer. */
  start: string;
  params: Parameter[];
  /** A view of `params` (or a copy of them) for the measurements. */
  measured(params: readonly Parameter[]): Student;
  /** Trains `params` in place on the teacher's embeddings; returns the steps, seconds and the saved checkpoint. */
  train(run: StudentRun): Promise<{ steps: number; trainS: number; checkpoint: string }>;
}

/** A pretrained transformer from `ck`, mean-pooled, with a fresh head to `dim`. */
export function transformerStudent(ck: Checkpoint, dim: number, seed: number, threads: number): SentenceStudent {
  const model: ModelConfig = { ...ck.config.model, pooling: 'mean' };
  const params = classifierFromEncoder(ck, model, dim, seed);
  return {
    name: modelName(model),
    start: `pretrained ${path.resolve(ck.dir)}`,
    params,
    measured: (ps) => ({
      params: ps,
      dim,
      seq: model.max_len,
      evaluator: (batch) => classifierEvaluator(model, dim, batch, model.max_len, threads),
      exportGraph: (format) => buildClassifierExport({ model, numLabels: dim, params: new Map(ps.map((p) => [p.spec.name, p.data])), format, quantizeEmbeddings: compressesEmbeddings(format) }),
    }),
    train: async (r) => {
      const resume = findSnapshot(r.outDir, r.record.resume_key, r.resume);
      const t = await trainClassifierCheckpoint({ model, labels: [], outputs: dim, params, ...r, objective: 'embedding', from: ck, resume, snapshotEveryS: r.snapshotEveryS });
      return { steps: t.steps, trainS: t.trainS, checkpoint: t.checkpoint };
    },
  };
}

/** CMOW/CBOW's peak rate: it trains from scratch, where the pretrained transformer's 1e-4 would crawl. A choice, not a tuned value. */
export const CMOW_LR = 1e-3;

/** A CMOW/CBOW hybrid (`cmow` or `cmow-M<m>-C<c>`) on `ck`'s tokenizer and sequence length, trained from scratch. */
export function cmowStudent(name: string, ck: Checkpoint, dim: number, seed: number, threads: number): SentenceStudent | null {
  const shape = parseCmowName(name);
  if (!shape) return null;
  const max_len = ck.config.model.max_len;
  if ((max_len & (max_len - 1)) !== 0) throw new Error(`a CMOW student multiplies its tokens' matrices in a balanced tree, which needs a power-of-two sequence length; ${ck.dir} has ${max_len}`);
  const c: CmowConfig = CmowConfigSchema.parse({ arch: 'cmow-cbow', vocab_size: ck.config.model.vocab_size, max_len, ...shape });
  const params = initCmow(c, dim, seed);
  return {
    name: `cmow-M${c.matrix_dim}-C${c.cbow_dim}`,
    start: `fresh, on the tokenizer of ${path.resolve(ck.dir)}`,
    params,
    measured: (ps) => ({
      params: ps,
      dim,
      seq: max_len,
      evaluator: (batch) => createSession(serializeGraph(buildCmow(c, dim, batch, false).graph), { threads }),
      exportGraph: (format) => buildCmowExport(c, dim, new Map(ps.map((p) => [p.spec.name, p.data])), format, compressesEmbeddings(format)),
    }),
    train: (r) => trainCmow(c, dim, params, ck, r),
  };
}

async function trainCmow(c: CmowConfig, dim: number, params: Parameter[], ck: Checkpoint, r: StudentRun) {
  const opt = classifierOptimizer(r.lr ?? CMOW_LR);
  const save = (dir: string, st: Pick<TrainingState, 'steps' | 'tokens' | 'trainS' | 'm' | 'v'>) =>
    saveCheckpoint(dir, { modelType: 'tltc-cmow', labels: [], objective: 'embedding', model: c, train: { ...r.record, optimizer: opt, batch_size: r.batch, seed: r.seed }, state: { step: st.steps, tokens: st.tokens, flops: 0, train_s: st.trainS }, params, m: st.m, v: st.v, tokenizerJson: ck.tokenizerJson }, 1);
  const snapshot = findSnapshot(r.outDir, r.record.resume_key, r.resume, 'tltc-cmow');
  const trained = await trainClassifier({
    network: { specs: cmowParamSpecs(c, dim), build: ({ batch }) => buildCmow(c, dim, batch, true) },
    ...{ classes: dim, params, train: r.train, batch: r.batch, seq: c.max_len, opt, budget: classifierBudget(r.budget, r.train.count, r.batch) },
    ...{ seed: r.seed, threads: r.threads, quiet: r.quiet, label: 'cmow', objective: 'embedding', rowFeeds: r.rowFeeds },
    start: snapshot ? stateFrom(snapshot, params) : undefined,
    snapshot: { intervalS: r.snapshotEveryS, save: (st) => save(snapshotDir(r.outDir), st) },
  });
  return { steps: trained.steps, trainS: trained.trainS, checkpoint: save(r.outDir, trained) };
}
