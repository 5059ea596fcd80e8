/**
 * Translation training, as one story: the task's pairs and joint vocabulary, an encoder-decoder
 * trained teacher-forced by the shared loop (train_loop.ts), and at every evaluation the
 * validation cross-entropy and the BLEU and chrF of greedy translations of a fixed sample of the
 * validation pairs.
 */
import path from 'node:path';
import { pairBatch, PairBatcher, sourceIds, DECODER_START, type EncodedPairs, type PairBatch, type PairShape } from '../data/translation_batches.ts';
import { prepareTranslation, type PreparedTranslation } from '../data/translation_prepare.ts';
import { unigramLogProbs } from '../data/prepare.ts';
import { countParams, initParams, type Parameter } from '../nn/params.ts';
import { seq2seqForwardFlops } from '../nn/seq2seq.ts';
import { seq2seqName, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { seq2seqParamSpecs } from '../nn/seq2seq_params.ts';
import { defaultThreads } from '../runtime/session.ts';
import { EOS } from '../tokenizer/tokenizer.ts';
import { tokenizerToJson } from '../tokenizer/tokenizer_json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { Random } from '../util/random.ts';
import { corpusBleu } from './bleu.ts';
import { parseBudget, formatBudget } from './budget.ts';
import { corpusChrf } from './chrf.ts';
import { listCheckpoints, loadSeq2SeqCheckpoint, type TrainState } from './checkpoint.ts';
import { optimizerConfig, peakLearningRate, resolveSeq2SeqModel, type TrainConfig } from './config.ts';
import { RunLog } from './run_log.ts';
import { Seq2SeqDecoder } from './seq2seq_decode.ts';
import { Seq2SeqRunner } from './seq2seq_runner.ts';
import { inRunFolder, runToEnd, type TrainingJob } from './train_loop.ts';
import type { TrainOptions, TrainResult } from './trainer.ts';

/** The pairs that fit the shape whole: a cut target would teach the model to stop early. */
function fitting(ids: EncodedPairs, shape: PairShape): { pairs: EncodedPairs; left_out: number } {
  const keep = ids.source.map((s, i) => s.length + 2 <= shape.source && ids.target[i].length + 1 <= shape.target);
  const pick = <T>(a: T[]) => a.filter((_, i) => keep[i]);
  return { pairs: { source: pick(ids.source), target: pick(ids.target) }, left_out: keep.filter((k) => !k).length };
}

/** A fixed random sample of `n` validation pairs (every validation book has a share), the same for every run. */
function evaluationRows(count: number, n: number): number[] {
  const order = new Random(0x5a11).shuffle(Int32Array.from({ length: count }, (_, i) => i));
  return Array.from(order.subarray(0, Math.min(n, count))).sort((a, b) => a - b);
}

/** exp of the cross-entropy of the training targets' unigram distribution (end tokens included) on `targets`. */
function unigramPerplexity(train: readonly Uint16Array[], targets: readonly Uint16Array[], vocab: number): number {
  const stream = (a: readonly Uint16Array[]) => Uint16Array.from(a.flatMap((t) => [...t, EOS]));
  const logp = unigramLogProbs(stream(train), vocab);
  const val = stream(targets);
  return Math.exp(-val.reduce((s, t) => s + logp[t], 0) / val.length);
}

interface TranslationRun {
  job: TrainingJob;
  state: TrainState;
  tokenizerJson: string;
  unigramValPpl: number;
  resumedFrom?: { checkpoint: string; step: number };
  release: () => Promise<void>;
}

interface Start {
  params: Parameter[];
  moments: { m: Float32Array[]; v: Float32Array[] } | null;
  state: TrainState;
  resumedFrom?: { checkpoint: string; step: number };
}

function startingPoint(cfg: TrainConfig, model: Seq2SeqConfig, runDir: string, resume: boolean | undefined): Start {
  const specs = seq2seqParamSpecs(model);
  const latest = resume ? listCheckpoints(runDir).at(-1) : undefined;
  if (!latest) return { params: initParams(specs, model, cfg.seed), moments: null, state: { step: 0, tokens: 0, flops: 0, train_s: 0 } };
  const ck = loadSeq2SeqCheckpoint(latest, true);
  if (JSON.stringify(ck.config.model) !== JSON.stringify(model)) throw new Error(`${latest} holds model ${seq2seqName(ck.config.model)}, but the config asks for ${seq2seqName(model)}: resume with the run's own config`);
  const byName = (m: Map<string, Float32Array>) => specs.map((s) => m.get(s.name)!);
  return { params: specs.map((spec) => ({ spec, data: ck.params.get(spec.name)! })), moments: { m: byName(ck.moments!.m), v: byName(ck.moments!.v) }, state: ck.config.state, resumedFrom: { checkpoint: latest, step: ck.config.state.step } };
}

/** BLEU and chrF of the greedy translations of `rows` of the validation split, decoded a batch at a time. */
async function translationScores(decoder: Seq2SeqDecoder, data: PreparedTranslation, rows: readonly number[], shape: PairShape): Promise<{ bleu: number; chrf: number }> {
  const hypotheses: string[] = [];
  for (let i = 0; i < rows.length; i += shape.batch) {
    const chunk = rows.slice(i, i + shape.batch);
    const out = await decoder.greedy(chunk.map((r) => sourceIds(data.val.ids.source[r], shape.source)), { maxTokens: shape.target, start: DECODER_START });
    hypotheses.push(...out.map((ids) => data.tokenizer.decode(ids)));
  }
  const references = [rows.map((r) => data.val.pairs[r].target)];
  return { bleu: corpusBleu(hypotheses, references).score, chrf: corpusChrf(hypotheses, references).score };
}

async function setUpTranslation(cfg: TrainConfig, model: Seq2SeqConfig, runDir: string, options: TrainOptions, say: (line: string) => void): Promise<TranslationRun> {
  const threads = cfg.threads ?? defaultThreads();
  const data = prepareTranslation(cfg.task!, cfg.data.vocab_size, { quiet: options.quiet });
  const shape: PairShape = { batch: cfg.batch_size, source: cfg.data.seq_len, target: cfg.data.seq_len };
  const train = fitting(data.train.ids, shape);
  const rows = evaluationRows(data.val.pairs.length, cfg.eval.sequences);
  const valBatches: PairBatch[] = [];
  for (let i = 0; i < rows.length; i += shape.batch) valBatches.push(pairBatch(data.val.ids, rows.slice(i, i + shape.batch), shape));
  const start = startingPoint(cfg, model, runDir, options.resume);
  if (start.resumedFrom) say(`resuming ${runDir} from ${path.basename(start.resumedFrom.checkpoint)} (step ${start.state.step})`);
  const perStep = { tokens: shape.batch * (shape.source + shape.target), flops: 3 * seq2seqForwardFlops(model, shape) };
  say(`model ${seq2seqName(model)}: ${(countParams(seq2seqParamSpecs(model)) / 1e6).toFixed(2)}M params; ${train.pairs.source.length} training pairs (${train.left_out} longer than ${shape.source} tokens left out); batch ${shape.batch}, budget ${formatBudget(parseBudget(cfg.budget))}, ${threads} threads`);
  const runner = await Seq2SeqRunner.create(model, shape, optimizerConfig(cfg), start.params, start.moments, { threads, optimization: options.optimization, seed: cfg.seed });
  const decoder = await Seq2SeqDecoder.create(model, () => runner.params, threads);
  const copy = { bleu: corpusBleu(rows.map((r) => data.val.pairs[r].source), [rows.map((r) => data.val.pairs[r].target)]).score };
  const unigramValPpl = unigramPerplexity(train.pairs.target, rows.map((r) => data.val.ids.target[r]), model.vocab_size);
  const runJson = { config: cfg, model, seed: cfg.seed, optimizer: { ...optimizerConfig(cfg), lr_source: peakLearningRate(cfg).source }, task: data.meta, shape, training_pairs: { used: train.pairs.source.length, longer_than_shape: train.left_out }, evaluation: { pairs: rows.length, split: 'validation', decoding: 'greedy', copy_source_bleu: copy.bleu }, machine: machineInfo(threads), started: new Date().toISOString() };
  writeFileAtomic(path.join(runDir, 'run.json'), JSON.stringify(runJson, null, 2));
  say(`baselines on the ${rows.length} evaluation pairs: copying the source scores BLEU ${copy.bleu.toFixed(2)}; the target unigram distribution, perplexity ${unigramValPpl.toFixed(1)}`);
  const batcher = new PairBatcher(train.pairs, shape, cfg.seed);
  const job: TrainingJob = {
    budget: parseBudget(cfg.budget),
    eval: cfg.eval,
    perStep,
    step: (step, progress) => runner.step(batcher.batch(step - 1), step, progress),
    evaluate: async () => {
      const loss = await runner.evaluate(valBatches);
      const scores = await translationScores(decoder, data, rows, shape);
      return { loss, metrics: { val_bleu: scores.bleu, val_chrf: scores.chrf } };
    },
    weights: () => ({ params: runner.params, m: runner.m, v: runner.v }),
  };
  const release = async () => void (await Promise.all([runner.release(), decoder.release()]));
  return { job, state: start.state, tokenizerJson: JSON.stringify(tokenizerToJson(data.tokenizer)), unigramValPpl, resumedFrom: start.resumedFrom, release };
}

/** `tltc train --task translate-en-es --model E3-D3-H256`: an encoder-decoder trained within the budget. */
export async function trainTranslation(cfg: TrainConfig, options: TrainOptions): Promise<TrainResult> {
  const runDir = path.resolve(options.outDir);
  const model = resolveSeq2SeqModel(cfg);
  const say = (line: string) => void (options.quiet || process.stderr.write(`${line}\n`));
  return inRunFolder(runDir, options.resume, async () => {
    const run = await setUpTranslation(cfg, model, runDir, options, say);
    const log = new RunLog(runDir, { model, modelType: 'tltc-seq2seq', train: cfg, tokenizerJson: run.tokenizerJson }, cfg.keep_checkpoints, run.resumedFrom);
    try {
      const outcome = await runToEnd(run.job, run.state, log, { ...options, name: seq2seqName(model), baseline: run.unigramValPpl });
      return { runDir, model, unigramValPpl: run.unigramValPpl, ...outcome };
    } finally {
      await run.release();
    }
  });
}
