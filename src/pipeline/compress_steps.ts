/**
 * The training side of `tltc compress`: plan structure (rank heads and FFN neurons by importance
 * and remove the least important), then recover (train within the budget with magnitude-pruning
 * masks and fake quantization in the graph).
 */
import { CompressionConstraints, prunableWeights, type PruningPlan } from '../compress/constraints.ts';
import type { QuantScheme } from '../compress/quantize.ts';
import { removeStructures, selectKept, structureImportance, type StructuredPlan } from '../compress/structured.ts';
import { formatSchemes, linearSchemeOf, type WeightFormat } from '../export/weight_format.ts';
import { classifierParamSpecs, type Objective } from '../nn/classifier.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Parameter, ParamSpec } from '../nn/params.ts';
import { POSITION_EMBEDDINGS, WORD_EMBEDDINGS } from '../nn/params.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';

export interface Shaped {
  model: ModelConfig;
  weights: Map<string, Float32Array>;
  report?: Record<string, unknown>;
}

const total = (lists: readonly { length: number }[]) => lists.reduce((n, l) => n + l.length, 0);

/** Structured pruning: first-order importance on 16 training batches, then the least important heads and neurons removed. */
export async function planStructure(model: ModelConfig, weights: Map<string, Float32Array>, plan: StructuredPlan, classes: number, train: EncodedSplit, run: { batch: number; threads: number; objective?: Objective }): Promise<Shaped> {
  if (plan.heads <= 0 && plan.ffn <= 0) return { model, weights };
  const params = classifierParamSpecs(model, classes).map((spec) => ({ spec, data: weights.get(spec.name)! }));
  const importance = await structureImportance(model, classes, params, train, { batch: run.batch, seq: model.max_len, batches: 16, threads: run.threads, objective: run.objective });
  const keptHeads = selectKept(importance.heads, plan.heads);
  const keptNeurons = selectKept(importance.neurons, plan.ffn);
  const smaller = removeStructures(model, weights, keptHeads, keptNeurons);
  const report = {
    importance: 'first-order Taylor |sum W * dL/dW| over each structure, 16 training batches, normalized per layer',
    heads_removed: total(importance.heads) - total(keptHeads),
    heads_total: total(importance.heads),
    neurons_removed: total(importance.neurons) - total(keptNeurons),
    neurons_total: total(importance.neurons),
    layer_heads: smaller.model.layer_heads,
    layer_ffn: smaller.model.layer_ffn,
  };
  return { model: smaller.model, weights: smaller.params, report };
}

/**
 * The weights QAT fakes, each with the quantizer the export will apply: every linear weight
 * (the classifier head too) and, when quantized and whole blocks fit, the embeddings.
 */
function fakeQuantized(specs: readonly ParamSpec[], format: WeightFormat, quantizeEmbeddings: boolean, d: number): Map<string, QuantScheme> | null {
  const scheme = formatSchemes(format);
  if (!scheme) return null;
  const linear = specs.filter((s) => s.shape.length === 2 && !s.name.startsWith('roberta.embeddings.'));
  const schemes = new Map(linear.map((s) => [s.name, linearSchemeOf(format, s.name) ?? scheme.linear]));
  const g = scheme.embeddings.granularity;
  if (quantizeEmbeddings && (g.kind !== 'group' || d % g.size === 0)) for (const name of [WORD_EMBEDDINGS, POSITION_EMBEDDINGS]) schemes.set(name, scheme.embeddings);
  return schemes;
}

/** Masks and fake quantization for recovery training; `params` are the model's weights in spec order. */
export function recoveryConstraints(model: ModelConfig, params: readonly Parameter[], pruning: PruningPlan | null, qat: { format: WeightFormat; quantizeEmbeddings: boolean } | null): CompressionConstraints {
  const fakeQuant = qat ? fakeQuantized(params.map((p) => p.spec), qat.format, qat.quantizeEmbeddings, model.d_model) : null;
  return new CompressionConstraints(prunableWeights(model), pruning, fakeQuant);
}
