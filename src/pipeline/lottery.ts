/**
 * Lottery tickets for `tltc compress --method imp|random`: iterative magnitude pruning with
 * rewinding (Frankle & Carbin 2019; Frankle et al. 2020; Chen et al. 2020 for pretrained BERT),
 * where every round prunes the smallest surviving weights of the last round's trained model,
 * resets the survivors to the rewind point and trains them again; and the random ticket of the
 * same sparsity, its control. The rewind point is the pretrained encoder with the fine-tuning
 * run's fresh head, or the weights after STEP steps of that fine-tuning, retraced.
 */
import { CompressionConstraints, prunableWeights, type PruningPlan } from '../compress/constraints.ts';
import { magnitudeMasks, randomMasks } from '../compress/prune.ts';
import { classifierParamSpecs, type Objective } from '../nn/classifier.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Parameter } from '../nn/params.ts';
import { loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import { trainClassifier, type WeightConstraints } from '../train/classifier_training.ts';
import type { OptimizerConfig } from '../train/optimizer.ts';
import { classifierBudget, trainClassifierCheckpoint, type ClassifierRun } from './classifier_steps.ts';
import { classifierFromEncoder } from './finetune.ts';

export type TicketMethod = 'imp' | 'random';

export interface TicketPlan {
  method: TicketMethod;
  /** Sparsity after each round, rising to the ticket's. */
  schedule: number[];
  rewindTo: 'pretrained' | number;
}

/** What a fine-tuned checkpoint records of its training (tltc finetune). */
interface FinetuneRecord {
  from?: string;
  budget?: string;
  batch_size?: number;
  optimizer?: OptimizerConfig;
  seed?: number;
}

/** Sparsities of the rounds: 1 - (1 - p)^r, the last one clipped to `prune` when that sets the target. */
export function ticketSchedule(method: TicketMethod, o: { prune?: number; rounds?: number; perRound?: number }): number[] {
  if (method === 'random') {
    if (o.prune === undefined || o.prune <= 0) throw new Error('--method random needs --prune S, the sparsity of the random ticket (e.g. 0.7)');
    return [o.prune];
  }
  const p = o.perRound ?? 0.2;
  if (!(p > 0 && p < 1)) throw new Error(`--prune-per-round ${p}: must be in (0, 1), e.g. 0.2`);
  if (o.prune !== undefined && o.rounds !== undefined) throw new Error('--method imp takes --prune S (rounds follow from --prune-per-round) or --rounds R, not both');
  // Rounded, so 1 - 0.8^2 reads 0.36 and not 0.3599999999999999 in compress.json.
  const after = (rounds: number) => Math.round((1 - (1 - p) ** rounds) * 1e12) / 1e12;
  if (o.rounds !== undefined) return Array.from({ length: o.rounds }, (_, r) => after(r + 1));
  if (o.prune === undefined || o.prune <= 0) throw new Error('--method imp needs --prune S (the final sparsity) or --rounds R');
  const rounds = Math.max(1, Math.ceil(Math.log(1 - o.prune) / Math.log(1 - p) - 1e-9));
  return Array.from({ length: rounds }, (_, r) => (r === rounds - 1 ? o.prune! : after(r + 1)));
}

/** `--rewind-to pretrained|STEP`. */
export function parseRewind(text: string): 'pretrained' | number {
  if (text === 'pretrained') return text;
  const step = Number(text);
  if (!Number.isInteger(step) || step < 1) throw new Error(`--rewind-to must be "pretrained" or a fine-tuning step (a positive integer), got "${text}"`);
  return step;
}

/** The pretrained checkpoint a fine-tuned one started from, checked before any work. */
export function pretrainedOf(ck: Checkpoint): Checkpoint {
  const from = (ck.config.train as FinetuneRecord).from;
  if (!from) throw new Error(`${ck.dir} does not record its pretrained checkpoint, which a ticket rewinds to: fine-tune it again with tltc finetune`);
  try {
    return loadCheckpoint(from, false, 'tltc-mlm');
  } catch (err) {
    throw new Error(`${ck.dir} was fine-tuned from ${from}, which a ticket rewinds to, but it cannot be loaded (${(err as Error).message.split('\n')[0]}): restore it, or compress with --method magnitude`, { cause: err });
  }
}

export interface TicketContext {
  ck: Checkpoint;
  model: ModelConfig;
  classes: number;
  train: EncodedSplit;
  threads: number;
  objective?: Objective;
  quiet?: boolean;
}

/** The weights a ticket's survivors are reset to, and what the rewind was. */
export async function rewindWeights(c: TicketContext, rewindTo: 'pretrained' | number): Promise<{ weights: Map<string, Float32Array>; record: Record<string, unknown> }> {
  const rec = c.ck.config.train as FinetuneRecord;
  const seed = rec.seed ?? 0;
  const params = classifierFromEncoder(pretrainedOf(c.ck), c.model, c.classes, seed);
  const weights = () => new Map(params.map((p) => [p.spec.name, p.data]));
  if (rewindTo === 'pretrained') return { weights: weights(), record: { to: 'pretrained', from: rec.from, head_seed: seed } };
  if (!rec.optimizer || !rec.budget || !rec.batch_size) throw new Error(`${c.ck.dir} does not record its fine-tuning recipe, which --rewind-to ${rewindTo} retraces: use --rewind-to pretrained`);
  // The fine-tuning run retraced from the pretrained weights with its own recipe and seed, stopped at the step.
  const stop = new AbortController();
  const budget = classifierBudget(rec.budget, c.train.count, rec.batch_size);
  const run = { model: c.model, classes: c.classes, params, train: c.train, batch: rec.batch_size, seq: c.model.max_len, opt: rec.optimizer, budget, seed, threads: c.threads, quiet: c.quiet, label: 'rewind', objective: c.objective };
  const done = await trainClassifier({ ...run, signal: stop.signal, onStep: ({ step }) => void (step >= rewindTo && stop.abort()) });
  if (done.steps < rewindTo) throw new Error(`--rewind-to ${rewindTo} is past the end of ${c.ck.dir}'s fine-tuning (${done.steps} steps): pick an earlier step`);
  const note = budget.kind === 'seconds' ? 'the fine-tuning budget is wall-clock, so the retraced rate schedule follows this machine\'s speed' : undefined;
  return { weights: weights(), record: { to: 'step', step: rewindTo, from: rec.from, head_seed: seed, ...(note ? { note } : {}) } };
}

/** The masks of one round: the smallest of the last trained weights (imp), or drawn at random. */
function roundMasks(plan: TicketPlan, names: readonly string[], trained: ReadonlyMap<string, Float32Array>, sparsity: number, seed: number): Map<string, Uint8Array> {
  const targets = names.map((name) => ({ name, data: trained.get(name)! }));
  return plan.method === 'imp' ? magnitudeMasks(targets, sparsity, 'global') : randomMasks(targets, sparsity, seed);
}

export interface TicketRun extends Omit<ClassifierRun, 'params' | 'constraints' | 'label' | 'afterTraining' | 'model'> {
  model: ModelConfig;
  /** Fake quantization for the last round (QAT), as tltc compress builds it. */
  finalConstraints: (pruning: PruningPlan, params: Parameter[]) => CompressionConstraints;
}

/**
 * Runs every round of the plan from `trained` (the fine-tuned weights) and `rewind`; returns the
 * last round's weights, its constraints and a record of each round.
 */
export async function findTicket(plan: TicketPlan, trained: ReadonlyMap<string, Float32Array>, rewind: ReadonlyMap<string, Float32Array>, run: TicketRun) {
  const names = prunableWeights(run.model);
  const specs = classifierParamSpecs(run.model, run.labels.length);
  let last = trained;
  let params: Parameter[] = [];
  let constraints: WeightConstraints & { maskUpdates: number } = new CompressionConstraints([], null, null);
  const rounds: Record<string, unknown>[] = [];
  for (const [i, sparsity] of plan.schedule.entries()) {
    const masks = roundMasks(plan, names, last, sparsity, run.seed);
    params = specs.map((spec) => ({ spec, data: Float32Array.from(rewind.get(spec.name)!) }));
    const pruning: PruningPlan = { sparsity, schedule: 'oneshot', scope: 'global', rampEnd: 0.75, masks };
    const final = i === plan.schedule.length - 1;
    constraints = final ? run.finalConstraints(pruning, params) : new CompressionConstraints(names, pruning, null);
    const label = `${plan.method} ${i + 1}/${plan.schedule.length}`;
    const done = await trainClassifierCheckpoint({ ...run, params, constraints, label, record: { ...run.record, ticket_round: i + 1 } });
    rounds.push({ round: i + 1, sparsity, steps: done.steps, train_s: done.trainS });
    last = new Map(params.map((p) => [p.spec.name, p.data]));
    if (run.signal?.aborted) break;
  }
  return { params, constraints, rounds };
}
