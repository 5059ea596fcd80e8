/**
 * `tltc finetune --task pos`: part-of-speech tagging of the Brown corpus (split by file, as
 * `genre` is) with a per-token head, scored per token beside the most-frequent-tag baselines.
 * With --early-exit every layer has a token head, trained by self-sampling (each step, each
 * token halts at a drawn layer with its state copied upward, Li et al. 2021), and finetune.json
 * gives the accuracy against the token-layers saved over entropy thresholds (token_exit_runner.ts).
 */
import path from 'node:path';
import { loadPosTask, type PosSentence } from '../data/pos.ts';
import { buildTagExitBlocks } from '../export/tagger_graphs.ts';
import { runTokenExits } from '../export/token_exit_runner.ts';
import { serializeGraph } from '../graph/index.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import { initParams, type Parameter } from '../nn/params.ts';
import { buildTagger, taggerParamSpecs } from '../nn/tagger.ts';
import { createSession, defaultThreads, ortTensor } from '../runtime/session.ts';
import { tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import { trainClassifier, type Network } from '../train/classifier_training.ts';
import { argmaxTokens, scoreTags, splitTags, tagBaselines, taggerEvaluator, type TokenScores } from '../train/tagger_scores.ts';
import { encodeTagged, tokenBatchOf, type EncodedTokenSplit } from '../train/token_data.ts';
import { Random } from '../util/random.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { classifierBudget, classifierOptimizer, freshOutDir, withRunLock } from './classifier_steps.ts';
import type { FinetuneOptions } from './finetune.ts';

/** Entropy thresholds of the token-exit curve, as fractions of ln(tags), and the window either side. */
const CURVE_FRACTIONS = [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 1];
export const TOKEN_EXIT_WINDOW = 2;

/** The built-in labelling task: Brown part-of-speech tags, mapped to the 12 universal tags. */
export const POS_TASK = 'pos';

export interface TokenExitPoint {
  threshold: number;
  window: number;
  accuracy: number;
  /** Mean layers run per token, and the share of the token-layers of running every layer that were not run. */
  mean_layers: number;
  saved_token_layers: number;
}

export interface TaggerFinetuneResult {
  task: 'pos';
  tagset: 'universal';
  tags: string[];
  model: string;
  checkpoint: string;
  steps: number;
  train_s: number;
  lr: number;
  val: TokenScores;
  test: TokenScores;
  baselines: { test: { majority_tag: TokenScores; most_frequent_tag: TokenScores } };
  /** With --early-exit: each exit's test scores (the last is `test`), and the token-exit curve on test. */
  exits?: { test: TokenScores[] };
  token_exit?: TokenExitPoint[];
}

/** The tagger's training graph as the classifier loop trains it. */
function taggerNetwork(model: ModelConfig, tags: number): Network {
  return {
    specs: taggerParamSpecs(model, tags),
    dropout: model.dropout,
    build: (shape) => {
      const t = buildTagger(model, tags, shape, { dropout: model.dropout, withLabels: true, selfSampling: model.exit_heads === true });
      return { graph: t.graph, params: t.params, logits: t.exitLogits.at(-1)!, loss: t.loss, dropoutMasks: t.dropoutMasks, pruneMasks: new Map() };
    },
  };
}

/**
 * Self-sampling's keep-masks for a step: each token runs every layer with probability 1/2, else
 * halts after a layer drawn uniformly from 1 .. L-1; keep/<l> is 1 while l < its layers. A
 * function of (seed, step), so a resumed run draws the same.
 */
export function keepMasks(layers: number, tokens: number, seed: number, step: number): Record<string, Float32Array> {
  const rng = new Random(seed, step, 0x6b656570);
  const ran = Int32Array.from({ length: tokens }, () => (rng.next() < 0.5 ? layers : 1 + rng.int(layers - 1)));
  return Object.fromEntries(Array.from({ length: layers - 1 }, (_, i) => [`keep/${i + 1}`, Float32Array.from(ran, (r) => (i + 1 < r ? 1 : 0))]));
}

/** The encoder's weights from the checkpoint, the token heads' fresh. */
function taggerFromEncoder(ck: Checkpoint, model: ModelConfig, tags: number, seed: number): Parameter[] {
  const specs = taggerParamSpecs(model, tags);
  const fresh = initParams(specs, model, seed);
  return specs.map((spec, i) => ({ spec, data: ck.params.get(spec.name) ?? fresh[i].data }));
}

/** Accuracy against saved token-layers on the split for each threshold (blocks built in memory at fp32). */
async function tokenExitCurve(model: ModelConfig, tags: number, params: readonly Parameter[], split: EncodedTokenSplit, batch: number, threads: number): Promise<TokenExitPoint[]> {
  const weights = new Map(params.map((p) => [p.spec.name, p.data]));
  const sessions = [];
  for (const b of buildTagExitBlocks({ model, tags, params: weights, format: { kind: 'fp32' } })) sessions.push(await createSession(serializeGraph(b.graph), { threads }));
  const [embeddings, ...layers] = sessions;
  const seq = model.max_len;
  try {
    const points: TokenExitPoint[] = [];
    for (const fraction of CURVE_FRACTIONS) {
      const criterion = { threshold: fraction * Math.log(tags), window: TOKEN_EXIT_WINDOW };
      const pred = new Int32Array(split.count * seq);
      const ran = new Int32Array(split.count * seq);
      for (let start = 0; start < split.count; start += batch) {
        const n = Math.min(batch, split.count - start);
        const rows = (a: BigInt64Array) => a.slice(start * seq, (start + n) * seq);
        const r = await runTokenExits({ embeddings, layers, classes: tags, dModel: model.d_model }, rows(split.ids), rows(split.mask), n, seq, criterion);
        pred.set(argmaxTokens(r.logits, tags), start * seq);
        ran.set(r.layers, start * seq);
      }
      const real = ran.filter((l) => l > 0);
      const mean = real.reduce((a, l) => a + l, 0) / real.length;
      points.push({ ...criterion, accuracy: scoreTags(pred, split.labels).accuracy, mean_layers: mean, saved_token_layers: 1 - mean / model.n_layers });
    }
    return points;
  } finally {
    for (const s of sessions) await s.release();
  }
}

/** A fixed subset of `n` sentences (all without n). */
function subset(sentences: readonly PosSentence[], n?: number): PosSentence[] {
  if (n === undefined || n >= sentences.length) return [...sentences];
  const order = new Random(0x5eed).shuffle(Int32Array.from(sentences.keys()));
  return Array.from(order.subarray(0, n), (i) => sentences[i]);
}

export async function finetuneTagger(o: FinetuneOptions): Promise<TaggerFinetuneResult> {
  const budget = o.budget ?? '3m';
  classifierBudget(budget, 1, 1);
  if (o.method !== undefined || o.teacher !== undefined) throw new Error('--task pos fine-tunes the whole tagger: leave out --method and --teacher');
  if (o.resume) throw new Error('--resume does not cover --task pos yet: start it again');
  const ck = loadCheckpoint(o.checkpoint, false, 'tltc-mlm');
  const outDir = freshOutDir(o.outDir, 'finetune.json', 'a fine-tuned model');
  return withRunLock(outDir, async () => {
    const task = loadPosTask('universal');
    const tags = task.tags.length;
    const model: ModelConfig = { ...ck.config.model, ...(o.earlyExit ? { exit_heads: true } : {}) };
    const [batch, seed, threads, seq] = [o.batchSize ?? 16, o.seed ?? 0, o.threads ?? defaultThreads(), model.max_len];
    const tok = tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`);
    const train = encodeTagged(tok, task.train, seq);
    const params = taggerFromEncoder(ck, model, tags, seed);
    const opt = classifierOptimizer(o.lr);
    const trained = await trainClassifier({ network: taggerNetwork(model, tags), classes: tags, params, batch, seq, opt, seed, threads, quiet: o.quiet, label: 'pos', budget: classifierBudget(budget, train.count, batch), train: { count: train.count, feeds: (rows, b, s) => tokenBatchOf(train, rows, b, s) }, ...(model.exit_heads ? { stepFeeds: (step: number) => keepFeeds(model.n_layers, batch * seq, seed, step) } : {}) });
    const record = { task: 'pos', tagset: task.tagset, budget, from: path.resolve(ck.dir), batch_size: batch, optimizer: opt, seed };
    const checkpoint = saveCheckpoint(outDir, { modelType: 'tltc-tagger', labels: task.tags, model, train: record, state: { step: trained.steps, tokens: trained.tokens, flops: 0, train_s: trained.trainS }, params, m: trained.m, v: trained.v, tokenizerJson: ck.tokenizerJson }, 1);
    const [valSentences, testSentences] = [subset(task.val, o.evalExamples), subset(task.test, o.evalExamples)];
    const [val, test] = [encodeTagged(tok, valSentences, seq), encodeTagged(tok, testSentences, seq)];
    const exits = model.exit_heads ? model.n_layers : 1;
    const session = await taggerEvaluator(model, tags, batch, threads);
    const [valTags, testTags] = [await splitTags(session, params, val, exits, tags, batch, seq), await splitTags(session, params, test, exits, tags, batch, seq)];
    await session.release();
    const testScores = testTags.map((p) => scoreTags(p, test.labels));
    const result: TaggerFinetuneResult = { task: 'pos', tagset: 'universal', tags: task.tags, model: modelName(model), checkpoint, steps: trained.steps, train_s: trained.trainS, lr: opt.lr, val: scoreTags(valTags.at(-1)!, val.labels), test: testScores.at(-1)!, baselines: { test: tagBaselines(task.train, testSentences, tags) } };
    if (model.exit_heads) Object.assign(result, { exits: { test: testScores }, token_exit: await tokenExitCurve(model, tags, params, test, batch, threads) });
    writeFileAtomic(path.join(outDir, 'finetune.json'), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  });
}

/** keepMasks as the step's feeds, (B * T, 1) each. */
function keepFeeds(layers: number, tokens: number, seed: number, step: number) {
  return Object.fromEntries(Object.entries(keepMasks(layers, tokens, seed, step)).map(([name, data]) => [name, ortTensor('float32', data, [tokens, 1])]));
}
