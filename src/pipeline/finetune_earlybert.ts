/**
 * `tltc finetune --method earlybert`: EarlyBERT for fine-tuning (Chen et al. 2021). A search
 * stage fine-tunes the whole classifier with slimming coefficients on every head and FFN neuron
 * under an L1 penalty, drawing masks every `draw_every` steps (train/early_bird.ts); at the
 * early-bird point, or at `max_search` of the budget, the masked heads and neurons are removed
 * and the smaller classifier (the ticket) is fine-tuned for the rest of the budget, from the
 * weights at that point ('keep', coefficients folded in) or from the pretrained encoder and the
 * head's initial weights ('rewind'). The ticket starts fresh AdamW moments and its own warm-up.
 */
import { classifierParamSpecs } from '../nn/classifier.ts';
import type { ModelConfig } from '../nn/config.ts';
import { initParams, type Parameter } from '../nn/params.ts';
import { slimmingParamSpecs } from '../nn/slimming_weights.ts';
import { formatBudget, type Budget } from '../train/budget.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';
import { trainClassifier } from '../train/classifier_training.ts';
import { EarlyBert, type EarlyBertConfig } from '../train/earlybert.ts';
import { classifierOptimizer } from './classifier_steps.ts';

export interface TicketSearch {
  model: ModelConfig;
  classes: number;
  /** The classifier's parameters (pretrained encoder, fresh head); left untouched. */
  params: readonly Parameter[];
  train: EncodedSplit;
  batch: number;
  budget: Budget;
  lr?: number;
  seed: number;
  threads: number;
  quiet?: boolean;
  config: EarlyBertConfig;
  signal?: AbortSignal;
}

export interface FoundTicket {
  /** The smaller classifier and its weights. */
  model: ModelConfig;
  params: Parameter[];
  /** What ticket.json holds: draws, the early-bird point, kept heads and neurons. */
  record: Record<string, unknown>;
  search: { steps: number; train_s: number; tokens: number };
  /** What is left of the budget for the ticket, as a budget string. */
  remaining: string;
}

const copyOf = (params: readonly Parameter[]) => params.map((p) => ({ spec: p.spec, data: Float32Array.from(p.data) }));

/** The budget left after the search, in the budget's own unit. */
function remainingBudget(budget: Budget, used: { steps: number; trainS: number; tokens: number }): string {
  const left = budget.value - (budget.kind === 'seconds' ? used.trainS : budget.kind === 'steps' ? used.steps : used.tokens);
  if (!(left > 0)) throw new Error(`the EarlyBERT search used the whole fine-tuning budget (${formatBudget(budget)}): lower earlybert max_search or raise --budget`);
  return budget.kind === 'seconds' ? `${left.toFixed(3)}s` : budget.kind === 'steps' ? `${Math.round(left)}steps` : `${Math.round(left)}tokens`;
}

/** Runs the search stage and returns the ticket, ready to fine-tune for the remaining budget. */
export async function searchTicket(o: TicketSearch): Promise<FoundTicket> {
  const params = [...copyOf(o.params), ...initParams(slimmingParamSpecs(o.model), o.model, o.seed)];
  const initial = copyOf(params);
  const earlybert = new EarlyBert(o.config, o.model);
  const stop = new AbortController();
  const trained = await trainClassifier({
    model: o.model,
    classes: o.classes,
    params,
    train: o.train,
    batch: o.batch,
    seq: o.model.max_len,
    opt: classifierOptimizer(o.lr),
    budget: o.budget,
    seed: o.seed,
    threads: o.threads,
    quiet: o.quiet,
    label: 'earlybert search',
    slimming: { lambda: o.config.lambda },
    signal: o.signal ? AbortSignal.any([stop.signal, o.signal]) : stop.signal,
    onStep: (p) => void (earlybert.afterStep(p.step, p.fraction, p.trainS, params) && stop.abort()),
  });
  if (earlybert.state.last === null) throw new Error('the EarlyBERT search ended before its first mask draw: raise --budget');
  const ticket = earlybert.ticket(trained.steps, trained.trainS, params, trained.m, trained.v, () => initial, o.seed, (m) => classifierParamSpecs(m, o.classes));
  const used = { steps: trained.steps, trainS: trained.trainS, tokens: trained.tokens };
  return { model: ticket.model, params: ticket.params, record: ticket.record, search: { steps: used.steps, train_s: used.trainS, tokens: used.tokens }, remaining: remainingBudget(o.budget, used) };
}
