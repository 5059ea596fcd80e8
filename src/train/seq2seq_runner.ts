/** The encoder-decoder's train and eval sessions: pair batches in, loss out. */
import type { InferenceSession } from 'onnxruntime-node';
import type { PairBatch } from '../data/translation_batches.ts';
import type { Parameter } from '../nn/params.ts';
import { buildSeq2SeqLoss, type Seq2SeqShape } from '../nn/seq2seq.ts';
import type { Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { seq2seqParamSpecs } from '../nn/seq2seq_params.ts';
import { serializeGraph } from '../graph/index.ts';
import { createSession, ortTensor, type RuntimeOptions } from '../runtime/session.ts';
import { parameterFeeds, type Feeds } from './feeds.ts';
import type { OptimizerConfig } from './optimizer.ts';
import { addOptimizerStep } from './step_graph.ts';
import { StepRunner, type StepResult } from './step_runner.ts';

function trainStepGraph(c: Seq2SeqConfig, shape: Seq2SeqShape, opt: OptimizerConfig) {
  const s = buildSeq2SeqLoss(c, shape, { dropout: c.dropout });
  addOptimizerStep(s.loss, s.params, seq2seqParamSpecs(c).map((p) => p.decay), opt);
  return { bytes: serializeGraph(s.graph), dropoutMasks: s.dropoutMasks.map((m) => m.shape as number[]) };
}

/** Forward only, one output: `nll`, the mean unsmoothed cross-entropy over the batch's target tokens. */
function evalGraph(c: Seq2SeqConfig, shape: Seq2SeqShape): Uint8Array {
  const s = buildSeq2SeqLoss(c, shape, { dropout: 0 });
  s.graph.output(s.nll, 'nll');
  return serializeGraph(s.graph);
}

export class Seq2SeqRunner {
  private constructor(
    readonly shape: Seq2SeqShape,
    private readonly trainer: StepRunner | null,
    private readonly evaluator: InferenceSession,
    readonly params: Parameter[],
  ) {}

  static async create(c: Seq2SeqConfig, shape: Seq2SeqShape, opt: OptimizerConfig, params: Parameter[], moments: { m: Float32Array[]; v: Float32Array[] } | null, options: RuntimeOptions & { seed?: number; evalOnly?: boolean }): Promise<Seq2SeqRunner> {
    const runtime = { threads: options.threads, optimization: options.optimization, spinning: options.spinning };
    const trainer = options.evalOnly ? null : await StepRunner.create(trainStepGraph(c, shape, opt), params, moments, { ratio: c.dropout, seed: options.seed ?? 0 }, runtime);
    const evaluator = await createSession(evalGraph(c, shape), runtime);
    return new Seq2SeqRunner(shape, trainer, evaluator, params);
  }

  private requireTrainer(): StepRunner {
    if (!this.trainer) throw new Error('this runner was created for evaluation only');
    return this.trainer;
  }

  get m(): Float32Array[] {
    return this.requireTrainer().m;
  }

  get v(): Float32Array[] {
    return this.requireTrainer().v;
  }

  private feeds(b: PairBatch): Feeds {
    const { batch, source, target } = this.shape;
    return {
      input_ids: ortTensor('int64', b.inputIds, [batch, source]),
      attention_mask: ortTensor('int64', b.attentionMask, [batch, source]),
      decoder_input_ids: ortTensor('int64', b.decoderIds, [batch, target]),
      labels: ortTensor('int64', b.labels, [batch * target]),
    };
  }

  step(batch: PairBatch, step: number, progress: number): Promise<StepResult> {
    return this.requireTrainer().step(this.feeds(batch), step, progress);
  }

  /** Cross-entropy per target token over `batches`, each batch's mean weighted by its token count. */
  async evaluate(batches: readonly PairBatch[]): Promise<number> {
    let [sum, tokens] = [0, 0];
    for (const b of batches) {
      const out = await this.evaluator.run(parameterFeeds(this.params, this.feeds(b)) as never);
      sum += (out.nll.data as Float32Array)[0] * b.targetTokens;
      tokens += b.targetTokens;
    }
    return sum / Math.max(1, tokens);
  }

  async release(): Promise<void> {
    await this.trainer?.release();
    await this.evaluator.release();
  }
}
