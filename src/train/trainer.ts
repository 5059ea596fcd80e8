/**
 * The pretraining loop, as one story: set up data and model, then step until the budget is
 * spent, evaluating and checkpointing every `eval.interval_s` training seconds and at the end.
 * Evaluation and checkpoint time do not count against a wall-clock budget.
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MlmBatcher, maskedPerSequence, validationBatches } from '../data/mlm_batches.ts';
import { prepareCorpus } from '../data/prepare.ts';
import { modelName, type ModelConfig } from '../nn/config.ts';
import { mlmForwardFlops, type MlmShape } from '../nn/mlm.ts';
import { countParams, initParams, mlmParamSpecs, type Parameter } from '../nn/params.ts';
import { defaultThreads, type OptimizationLevel } from '../runtime/session.ts';
import { tokenizerToJson } from '../tokenizer/tokenizer_json.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { machineInfo } from '../util/machine.ts';
import { createProgress } from '../util/progress.ts';
import { budgetFraction, formatBudget, parseBudget } from './budget.ts';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, type TrainState } from './checkpoint.ts';
import { optimizerConfig, resolveModel, type TrainConfig } from './config.ts';
import { acquireRunLock } from './lock.ts';
import { MlmRunner } from './mlm_runner.ts';

export interface MetricsRow {
  step: number;
  wall_s: number;
  tokens: number;
  flops: number;
  train_loss: number;
  val_loss: number;
  val_ppl: number;
  lr: number;
  tokens_per_s: number;
  eval_s: number;
}

export interface TrainOptions {
  outDir: string;
  resume?: boolean;
  quiet?: boolean;
  optimization?: OptimizationLevel;
}

export interface TrainResult {
  runDir: string;
  model: ModelConfig;
  final: MetricsRow;
  checkpoint: string;
  unigramValPpl: number;
  /** What summary.json holds. */
  summary: Record<string, unknown>;
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/**
 * Keeps the metrics rows up to the checkpoint a run resumes from: rows logged after it (their
 * steps are about to be trained again) and a line cut short by a kill are dropped.
 */
function trimMetrics(file: string, upToStep: number): void {
  const kept: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      if ((JSON.parse(line) as MetricsRow).step <= upToStep) kept.push(line);
    } catch {
      // a partial last line
    }
  }
  writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
}

export async function train(cfg: TrainConfig, options: TrainOptions): Promise<TrainResult> {
  const runDir = path.resolve(options.outDir);
  const model = resolveModel(cfg);
  const budget = parseBudget(cfg.budget);
  const hasRun = existsSync(path.join(runDir, 'run.json'));
  if (hasRun && !options.resume) throw new Error(`${runDir} already holds a run: add --resume to continue it, or choose another --out`);
  const createdDir = !existsSync(runDir);
  const release = acquireRunLock(runDir);
  try {
    return await trainLocked(cfg, model, budget, runDir, options, hasRun);
  } catch (err) {
    // A run that failed before writing anything leaves no folder that looks like a run.
    release();
    if (createdDir && !existsSync(path.join(runDir, 'run.json'))) rmSync(runDir, { recursive: true, force: true });
    throw err;
  } finally {
    release();
  }
}

async function trainLocked(cfg: TrainConfig, model: ModelConfig, budget: ReturnType<typeof parseBudget>, runDir: string, options: TrainOptions, hasRun: boolean): Promise<TrainResult> {
  const say = (line: string) => options.quiet || process.stderr.write(`${line}\n`);
  const threads = cfg.threads ?? defaultThreads();

  // Data: cached after the first run.
  const corpus = prepareCorpus(cfg.data.corpus, cfg.data.vocab_size, { quiet: options.quiet });
  const batchShape = { batch: cfg.batch_size, seq: cfg.data.seq_len, maskProb: cfg.data.mask_prob };
  const shape: MlmShape = { batch: cfg.batch_size, seq: cfg.data.seq_len, masked: cfg.batch_size * maskedPerSequence(cfg.data.seq_len, cfg.data.mask_prob) };
  const batcher = new MlmBatcher(corpus.train, batchShape, model.vocab_size, cfg.seed);
  const valBatches = validationBatches(corpus.val, batchShape, model.vocab_size, cfg.eval.sequences);

  // Model: fresh, or the newest complete checkpoint when resuming.
  const specs = mlmParamSpecs(model);
  let params: Parameter[];
  let moments: { m: Float32Array[]; v: Float32Array[] } | null = null;
  let state: TrainState = { step: 0, tokens: 0, flops: 0, train_s: 0 };
  const latest = options.resume ? listCheckpoints(runDir).at(-1) : undefined;
  if (latest) {
    const ck = loadCheckpoint(latest, true);
    if (JSON.stringify(ck.config.model) !== JSON.stringify(model)) {
      throw new Error(`${latest} holds model ${modelName(ck.config.model)}, but the config asks for ${modelName(model)}: resume with the run's own config`);
    }
    params = specs.map((spec) => ({ spec, data: ck.params.get(spec.name)! }));
    moments = { m: specs.map((s) => ck.moments!.m.get(s.name)!), v: specs.map((s) => ck.moments!.v.get(s.name)!) };
    state = ck.config.state;
    say(`resuming ${runDir} from ${path.basename(latest)} (step ${state.step}, ${fmt(state.train_s, 1)}s trained)`);
  } else {
    if (options.resume && hasRun) say(`no complete checkpoint in ${runDir}: starting from the beginning`);
    params = initParams(specs, model, cfg.seed);
  }
  const flopsPerStep = 3 * mlmForwardFlops(model, shape);
  const tokensPerStep = shape.batch * shape.seq;
  say(
    `model ${modelName(model)}: ${(countParams(specs) / 1e6).toFixed(2)}M params, ${model.n_heads} heads, d_ff ${model.d_ff}, ` +
      `${(flopsPerStep / tokensPerStep / 1e6).toFixed(1)} MFLOP/token (train); batch ${shape.batch}x${shape.seq}, budget ${formatBudget(budget)}, ${threads} threads`,
  );
  const runner = await MlmRunner.create(model, shape, optimizerConfig(cfg), params, moments, { threads, optimization: options.optimization, seed: cfg.seed });

  const tokenizerJson = JSON.stringify(tokenizerToJson(corpus.tokenizer));
  const metricsFile = path.join(runDir, 'metrics.jsonl');
  writeFileAtomic(
    path.join(runDir, 'run.json'),
    JSON.stringify({ config: cfg, model, seed: cfg.seed, corpus: corpus.meta, machine: machineInfo(threads), started: new Date().toISOString() }, null, 2),
  );
  if (existsSync(metricsFile)) trimMetrics(metricsFile, latest ? state.step : -1);

  const bar = createProgress('train', 1000, {
    quiet: options.quiet,
    format: 'train {bar} {percentage}% | step {step} | loss {loss} | val ppl {ppl} | {tps} tok/s | ETA {eta_formatted}',
    initial: { step: state.step, loss: '-', ppl: '-', tps: '-' },
  });
  let sinceEval = { loss: 0, steps: 0, seconds: 0, tokens: 0 };
  let lastEvalAt = state.train_s;
  let lastRow = null as MetricsRow | null; // assigned inside evaluateAndSave
  let lastLr = 0;
  let lastCheckpoint = latest ?? '';
  const done = () => budgetFraction(budget, { step: state.step, tokens: state.tokens, trainSeconds: state.train_s }) >= 1;

  const evaluateAndSave = async (): Promise<MetricsRow> => {
    const t0 = performance.now();
    const valLoss = await runner.evaluate(valBatches);
    const evalS = (performance.now() - t0) / 1000;
    const row: MetricsRow = {
      step: state.step,
      wall_s: state.train_s,
      tokens: state.tokens,
      flops: state.flops,
      train_loss: sinceEval.steps > 0 ? sinceEval.loss / sinceEval.steps : (lastRow?.train_loss ?? NaN),
      val_loss: valLoss,
      val_ppl: Math.exp(valLoss),
      lr: lastLr,
      tokens_per_s: sinceEval.seconds > 0 ? sinceEval.tokens / sinceEval.seconds : (lastRow?.tokens_per_s ?? 0),
      eval_s: evalS,
    };
    try {
      appendFileSync(metricsFile, `${JSON.stringify(row)}\n`);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (err as Error).message;
      throw new Error(`could not append to ${metricsFile}: ${why}; earlier checkpoints are intact`, { cause: err });
    }
    lastCheckpoint = saveCheckpoint(runDir, { model, train: cfg, state, params: runner.params, m: runner.m, v: runner.v, tokenizerJson }, cfg.keep_checkpoints);
    bar.log(`step ${row.step}: train loss ${fmt(row.train_loss)}, val loss ${fmt(row.val_loss)}, val ppl ${fmt(row.val_ppl, 1)} (eval ${fmt(evalS, 2)}s, not counted in the budget)`);
    sinceEval = { loss: 0, steps: 0, seconds: 0, tokens: 0 };
    lastEvalAt = state.train_s;
    lastRow = row;
    return row;
  };

  try {
    while (!done()) {
      const t0 = performance.now();
      const batch = batcher.batch(state.step);
      const progress = budgetFraction(budget, { step: state.step, tokens: state.tokens, trainSeconds: state.train_s });
      const r = await runner.step(batch, state.step + 1, progress);
      if (r.nonFinite) {
        throw new Error(
          `training diverged at step ${state.step + 1}: ${r.nonFinite} is not finite (loss ${r.loss}, lr ${r.lr.toExponential(2)}); ` +
            `lower optimizer.lr or keep clip_norm > 0. Last good checkpoint: ${lastCheckpoint || 'none'}`,
        );
      }
      const dt = (performance.now() - t0) / 1000;
      state = { step: state.step + 1, tokens: state.tokens + tokensPerStep, flops: state.flops + flopsPerStep, train_s: state.train_s + dt };
      sinceEval = { loss: sinceEval.loss + r.loss, steps: sinceEval.steps + 1, seconds: sinceEval.seconds + dt, tokens: sinceEval.tokens + tokensPerStep };
      lastLr = r.lr;
      const frac = budgetFraction(budget, { step: state.step, tokens: state.tokens, trainSeconds: state.train_s });
      bar.update(Math.round(frac * 1000), {
        step: state.step,
        loss: fmt(r.loss),
        ppl: lastRow ? fmt(lastRow.val_ppl, 1) : '-',
        tps: Math.round(sinceEval.tokens / sinceEval.seconds),
      });
      if (state.train_s - lastEvalAt >= cfg.eval.interval_s && !done()) await evaluateAndSave();
    }
    const final = sinceEval.steps > 0 || !lastRow ? await evaluateAndSave() : lastRow;
    bar.stop();
    say(`done: ${state.step} steps, ${fmt(state.train_s, 1)}s training, val ppl ${fmt(final.val_ppl, 1)} (unigram ppl ${fmt(corpus.meta.unigram_val_ppl, 1)}); checkpoint ${lastCheckpoint}`);
    // Written last: its presence marks the run complete (sweeps skip such runs).
    const summary = { run: runDir, model: modelName(model), checkpoint: lastCheckpoint, unigram_val_ppl: corpus.meta.unigram_val_ppl, ...final };
    writeFileAtomic(path.join(runDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return { runDir, model, final, checkpoint: lastCheckpoint, unigramValPpl: corpus.meta.unigram_val_ppl, summary };
  } finally {
    bar.stop();
    await runner.release();
  }
}
