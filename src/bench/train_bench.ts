/** `tltc bench`: training steps of a spec's model on random tokens, reported as DESIGN §4 says. */
import { maskedPerSequence, type MlmBatch } from '../data/mlm_batches.ts';
import { validateModelConfig, type ModelConfig } from '../nn/config.ts';
import { mlmForwardFlops, type MlmShape } from '../nn/mlm.ts';
import { countParams, initParams, mlmParamSpecs, type ParamSpec } from '../nn/params.ts';
import { MlmRunner } from '../train/mlm_runner.ts';
import type { OptimizerConfig } from '../train/optimizer.ts';
import { Random } from '../util/random.ts';
import { machineInfo } from '../util/machine.ts';
import { measureMatMulPeak } from './peak.ts';
import type { BenchSpec } from './spec.ts';

export interface BenchResult {
  name: string;
  tokens_per_s: number;
  step_ms: number;
  step_ms_p90: number;
  /** CPU time (all threads) per step: steadier than wall time on a shared machine. */
  cpu_ms_per_step: number;
  steps: number;
  params: number;
  gflops_per_step: number;
  achieved_gflops: number;
  peak_gflops: number;
  mfu: number;
  session_ms: number;
  threads: number;
  machine: Record<string, unknown>;
}

/** What a spec's benchmark trains: its model (LayerNorm eps 1e-5), the step's shapes and AdamW settings, the parameters. */
export interface BenchStep {
  model: ModelConfig;
  shape: MlmShape;
  opt: OptimizerConfig;
  specs: ParamSpec[];
}

/** The training step `tltc bench` times for `spec`; scripts/bench/profile.ts profiles the same one. */
export function benchStep(spec: BenchSpec): BenchStep {
  const model = validateModelConfig({ ...spec.model, layer_norm_eps: 1e-5 }, `bench spec ${spec.name}`);
  const masked = spec.batch.batch_size * maskedPerSequence(spec.batch.seq_len, spec.batch.mask_prob);
  const shape = { batch: spec.batch.batch_size, seq: spec.batch.seq_len, masked };
  const opt = { ...spec.optimizer, betas: spec.optimizer.betas as [number, number], clip_norm: 1, warmup_steps: 10, schedule: 'linear' as const, min_lr_ratio: 0.1 };
  return { model, shape, opt, specs: mlmParamSpecs(model) };
}

/** Random tokens and labels of `shape`, with the masked positions spread evenly over each sequence. */
export function randomBatch(shape: MlmShape, vocabSize: number, rng: Random): MlmBatch {
  const { batch: b, seq: t, masked } = shape;
  const k = masked / b;
  const inputIds = BigInt64Array.from({ length: b * t }, () => BigInt(5 + rng.int(vocabSize - 5)));
  const maskedPositions = BigInt64Array.from({ length: masked }, (_, i) => BigInt(Math.floor(i / k) * t + 1 + ((i % k) * Math.floor((t - 2) / k))));
  const labels = BigInt64Array.from({ length: masked }, () => BigInt(5 + rng.int(vocabSize - 5)));
  return { inputIds, maskedPositions, labels };
}

interface TimedSteps {
  step: BenchStep;
  /** Step times in milliseconds, sorted. */
  sorted: number[];
  cpuMsPerStep: number;
  sessionMs: number;
  threads: number;
}

/** Times training steps of the spec's model on random batches for about `seconds` (at least 3 steps) after `warmup` steps. */
async function timeSteps(spec: BenchSpec, options: { seconds?: number; warmup?: number; threads?: number; spinning?: boolean }): Promise<TimedSteps> {
  const threads = options.threads ?? spec.threads;
  const step = benchStep(spec);
  const { model, shape, opt, specs } = step;
  const t0 = performance.now();
  const runner = await MlmRunner.create(model, shape, opt, initParams(specs, model, 0), null, { threads, spinning: options.spinning });
  const sessionMs = performance.now() - t0;
  const rng = new Random(11);
  const batches = [randomBatch(shape, model.vocab_size, rng), randomBatch(shape, model.vocab_size, rng)];
  const warmup = options.warmup ?? 2;
  for (let i = 0; i < warmup; i++) await runner.step(batches[i % 2], i + 1, 0);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  const end = performance.now() + (options.seconds ?? 20) * 1000;
  while (performance.now() < end || times.length < 3) {
    const s = performance.now();
    await runner.step(batches[times.length % 2], warmup + times.length + 1, 0.5);
    times.push(performance.now() - s);
  }
  const cpu = process.cpuUsage(cpu0);
  await runner.release();
  return { step, sorted: [...times].sort((a, b) => a - b), cpuMsPerStep: (cpu.user + cpu.system) / 1000 / times.length, sessionMs, threads };
}

/** Training tokens per second (input tokens, all positions) at the median step time: the throughput alone, without the peak measurement. */
export async function benchTokensPerSecond(spec: BenchSpec, options: { seconds?: number; warmup?: number; threads?: number } = {}): Promise<number> {
  const { step, sorted } = await timeSteps(spec, options);
  return (step.shape.batch * step.shape.seq) / (sorted[Math.floor(sorted.length / 2)] / 1000);
}

export async function runBench(spec: BenchSpec, options: { seconds?: number; warmup?: number; threads?: number; spinning?: boolean } = {}): Promise<BenchResult> {
  const { step, sorted, cpuMsPerStep, sessionMs, threads } = await timeSteps(spec, options);
  const { model, shape, specs } = step;
  const peak = await measureMatMulPeak(threads);
  const stepMs = sorted[Math.floor(sorted.length / 2)];
  const flops = 3 * mlmForwardFlops(model, shape);
  const achieved = flops / (stepMs / 1000) / 1e9;
  return {
    name: spec.name,
    tokens_per_s: (shape.batch * shape.seq) / (stepMs / 1000),
    step_ms: stepMs,
    step_ms_p90: sorted[Math.floor(sorted.length * 0.9)],
    cpu_ms_per_step: cpuMsPerStep,
    steps: sorted.length,
    params: countParams(specs),
    gflops_per_step: flops / 1e9,
    achieved_gflops: achieved,
    peak_gflops: peak,
    mfu: achieved / peak,
    session_ms: sessionMs,
    threads,
    machine: machineInfo(threads),
  };
}
