/**
 * Fine-tuning a pretrained checkpoint on a classification task: the encoder is loaded, a fresh
 * head is added, and the whole model is trained with the same one-session step as pretraining.
 * Reports accuracy and macro-F1 on val and test, and writes a classifier checkpoint.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { loadTask, type Example, type Task } from '../data/tasks.ts';
import { serializeGraph } from '../graph/index.ts';
import { buildClassifier, classifierParamSpecs } from '../nn/classifier.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import { initParams, type Parameter } from '../nn/params.ts';
import { createSession, defaultThreads, ortTensor } from '../runtime/session.ts';
import { BOS, EOS, PAD, type Tokenizer } from '../tokenizer/tokenizer.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { createProgress } from '../util/progress.ts';
import { Random } from '../util/random.ts';
import { budgetFraction, parseBudget } from './budget.ts';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { acquireRunLock } from './lock.ts';
import { accuracy, argmaxRows, macroF1 } from './metrics.ts';
import type { OptimizerConfig } from './optimizer.ts';
import { addOptimizerStep } from './step_graph.ts';
import { StepRunner } from './step_runner.ts';

export interface FinetuneOptions {
  checkpoint: string;
  task: string;
  outDir: string;
  budget?: string;
  batchSize?: number;
  lr?: number;
  seed?: number;
  threads?: number;
  quiet?: boolean;
}

export interface SplitScores {
  accuracy: number;
  macro_f1: number;
  examples: number;
}

export interface FinetuneResult {
  task: string;
  model: string;
  checkpoint: string;
  steps: number;
  train_s: number;
  val: SplitScores;
  test: SplitScores;
}

/** Encoded examples: <s> text </s>, cut to `seq`, padded with <pad>. */
export interface EncodedSplit {
  ids: BigInt64Array;
  mask: BigInt64Array;
  labels: Int32Array;
  count: number;
}

export function encodeExamples(tok: Tokenizer, examples: readonly Example[], seq: number): EncodedSplit {
  const ids = new BigInt64Array(examples.length * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(examples.length * seq);
  const labels = new Int32Array(examples.length);
  examples.forEach((e, i) => {
    const body = tok.encode(e.text).slice(0, seq - 2);
    const row = [BOS, ...body, EOS];
    row.forEach((t, j) => {
      ids[i * seq + j] = BigInt(t);
      mask[i * seq + j] = 1n;
    });
    labels[i] = e.label;
  });
  return { ids, mask, labels, count: examples.length };
}

/** Rows `rows` of a split as a batch; missing rows (the last, partial batch) are padding with label -100. */
function batchOf(split: EncodedSplit, rows: ArrayLike<number>, batch: number, seq: number) {
  const ids = new BigInt64Array(batch * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(batch * seq);
  const labels = new BigInt64Array(batch).fill(-100n);
  for (let b = 0; b < rows.length; b++) {
    const r = rows[b];
    ids.set(split.ids.subarray(r * seq, (r + 1) * seq), b * seq);
    mask.set(split.mask.subarray(r * seq, (r + 1) * seq), b * seq);
    mask[b * seq] = 1n; // keeps every padding row's softmax defined
    labels[b] = BigInt(split.labels[r]);
  }
  for (let b = rows.length; b < batch; b++) mask[b * seq] = 1n;
  return { input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: ortTensor('int64', mask, [batch, seq]), labels: ortTensor('int64', labels, [batch]) };
}

async function scoreSplit(session: InferenceSession, params: Parameter[], split: EncodedSplit, classes: number, batch: number, seq: number): Promise<SplitScores> {
  const pred = new Int32Array(split.count);
  for (let start = 0; start < split.count; start += batch) {
    const rows = Array.from({ length: Math.min(batch, split.count - start) }, (_, i) => start + i);
    const { input_ids, attention_mask } = batchOf(split, rows, batch, seq);
    const feeds: Record<string, unknown> = { input_ids, attention_mask };
    for (const p of params) feeds[p.spec.name] = ortTensor('float32', p.data, p.spec.shape);
    const out = await session.run(feeds as never);
    argmaxRows(out.logits.data as Float32Array, batch, classes).slice(0, rows.length).forEach((c, i) => (pred[start + i] = c));
  }
  return { accuracy: accuracy(pred, split.labels), macro_f1: macroF1(pred, split.labels, classes), examples: split.count };
}

export async function finetune(options: FinetuneOptions): Promise<FinetuneResult> {
  const budget = parseBudget(options.budget ?? '3m');
  const task: Task = loadTask(options.task);
  const ck = loadCheckpoint(options.checkpoint, false, 'tltc-mlm');
  const model: ModelConfig = ck.config.model;
  const outDir = path.resolve(options.outDir);
  if (existsSync(path.join(outDir, 'finetune.json'))) throw new Error(`${outDir} already holds a fine-tuned model: choose another --out`);
  const release = acquireRunLock(outDir);
  try {
    const tok = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
    const seq = model.max_len;
    const batch = options.batchSize ?? 16;
    const classes = task.labels.length;
    const [train, val, test] = [task.train, task.val, task.test].map((s) => encodeExamples(tok, s, seq));
    const specs = classifierParamSpecs(model, classes);
    const fresh = initParams(specs, model, options.seed ?? 0);
    const params: Parameter[] = specs.map((spec, i) => ({ spec, data: ck.params.get(spec.name) ?? fresh[i].data }));
    const opt: OptimizerConfig = { lr: options.lr ?? 1e-4, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, warmup_steps: 20, schedule: 'linear', min_lr_ratio: 0 };
    const runtime = { threads: options.threads ?? defaultThreads() };
    const trainGraph = buildClassifier(model, classes, { batch, seq }, { dropout: model.dropout, withLabels: true });
    addOptimizerStep(trainGraph.loss!, trainGraph.params, specs.map((s) => s.decay), opt);
    const runner = await StepRunner.create(
      { bytes: serializeGraph(trainGraph.graph), dropoutMasks: trainGraph.dropoutMasks.map((m) => m.shape as number[]) },
      params,
      null,
      { ratio: model.dropout, seed: options.seed ?? 0 },
      runtime,
    );
    const evalGraph = buildClassifier(model, classes, { batch, seq }, { dropout: 0, withLabels: false });
    evalGraph.graph.output(evalGraph.logits, 'logits');
    const evaluator = await createSession(serializeGraph(evalGraph.graph), runtime);

    const rng = new Random(options.seed ?? 0, 0x66696e65);
    let order = rng.shuffle(Int32Array.from({ length: train.count }, (_, i) => i));
    let cursor = 0;
    let steps = 0;
    let trainS = 0;
    let tokens = 0;
    const bar = createProgress('finetune', 1000, { quiet: options.quiet, format: 'finetune {bar} {percentage}% | step {step} | loss {loss} | ETA {eta_formatted}', initial: { step: 0, loss: '-' } });
    try {
      while (budgetFraction(budget, { step: steps, tokens, trainSeconds: trainS }) < 1) {
        const t0 = performance.now();
        if (cursor + batch > train.count) {
          order = rng.shuffle(order);
          cursor = 0;
        }
        const rows = order.subarray(cursor, cursor + batch);
        cursor += batch;
        const r = await runner.step(batchOf(train, rows, batch, seq), steps + 1, budgetFraction(budget, { step: steps, tokens, trainSeconds: trainS }));
        if (r.nonFinite) throw new Error(`fine-tuning diverged at step ${steps + 1}: ${r.nonFinite} is not finite; lower --lr`);
        steps++;
        tokens += batch * seq;
        trainS += (performance.now() - t0) / 1000;
        bar.update(Math.round(1000 * budgetFraction(budget, { step: steps, tokens, trainSeconds: trainS })), { step: steps, loss: r.loss.toFixed(3) });
      }
    } finally {
      bar.stop();
    }
    const valScores = await scoreSplit(evaluator, params, val, classes, batch, seq);
    const testScores = await scoreSplit(evaluator, params, test, classes, batch, seq);
    await runner.release();
    await evaluator.release();
    const saved = saveCheckpoint(
      outDir,
      {
        modelType: 'tltc-classifier',
        labels: task.labels,
        model,
        train: { task: task.name, from: ck.dir, batch_size: batch, optimizer: opt, budget: options.budget ?? '3m', seed: options.seed ?? 0 },
        state: { step: steps, tokens, flops: 0, train_s: trainS },
        params,
        m: runner.m,
        v: runner.v,
        tokenizerJson: ck.tokenizerJson,
      },
      1,
    );
    const result: FinetuneResult = { task: task.name, model: modelName(model), checkpoint: saved, steps, train_s: trainS, val: valScores, test: testScores };
    writeFileAtomic(path.join(outDir, 'finetune.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    release();
  }
}
