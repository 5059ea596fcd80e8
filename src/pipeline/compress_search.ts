/**
 * `tltc compress --quant search --max-bytes B`: each encoder matrix's N:M sparsity and value bits
 * chosen to fit the whole file in B bytes at the least Fisher-weighted error (layer_search.ts).
 * The bytes outside the searched matrices (embeddings, norms, the head, the graph) are measured
 * once by serializing the model with every searched matrix at dense int8 codes.
 */
import type { PruningPlan } from '../compress/constraints.ts';
import { prunableWeights } from '../compress/constraints.ts';
import { fisherDiagonal } from '../compress/fisher.ts';
import { chooseUnderBudget, optionBytes, optionName, SEARCH_OPTIONS, sensitivity, type LayerOption } from '../compress/layer_search.ts';
import { buildClassifierExport } from '../export/encoder_graph.ts';
import type { NmFormat } from '../export/weight_format.ts';
import { serializeGraph } from '../graph/index.ts';
import type { Objective } from '../nn/classifier.ts';
import type { ModelConfig } from '../nn/config.ts';
import type { Parameter } from '../nn/params.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';

/** The graph bytes of a sparse matrix's decoding ops (measured: a few kB per matrix, whatever its size). */
const DECODER_BYTES = 4096;

/** Training batches whose squared gradients estimate each weight's sensitivity. */
const FISHER_BATCHES = 16;

/** `1500000`, `1.5e6`, `1500KB`, `1.5MB` (decimal units, as file sizes are reported). */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*(kb|mb)?\s*$/i.exec(text);
  const value = m ? Number(m[1]) * (m[2]?.toLowerCase() === 'mb' ? 1e6 : m[2] ? 1e3 : 1) : NaN;
  if (!(value > 0)) throw new Error(`--max-bytes "${text}" is not a size: use bytes, KB or MB, e.g. 1.2MB`);
  return Math.round(value);
}

export interface SearchInput {
  model: ModelConfig;
  classes: number;
  params: readonly Parameter[];
  train: EncodedSplit;
  batch: number;
  threads: number;
  objective?: Objective;
  maxBytes: number;
  quantizeEmbeddings: boolean;
}

/** The searched format, the pruning that learns its sparse matrices' 2:4 masks, and what the search saw. */
export async function searchLayers(s: SearchInput): Promise<{ format: NmFormat; pruning: PruningPlan | null; record: Record<string, unknown> }> {
  const names = prunableWeights(s.model);
  const byName = new Map(s.params.map((p) => [p.spec.name, p]));
  const fisher = await fisherDiagonal(s.model, s.classes, s.params, s.train, names, { batch: s.batch, batches: FISHER_BATCHES, threads: s.threads, objective: s.objective });
  const layers = names.map((name) => {
    const { data, spec } = byName.get(name)!;
    const [rows, cols] = spec.shape;
    const bytes = (option: LayerOption) => optionBytes(option, rows, cols) + (option.pattern ? DECODER_BYTES : 0);
    return { name, costs: SEARCH_OPTIONS.map((option) => ({ option, bytes: bytes(option), sensitivity: sensitivity(data, fisher.get(name)!, rows, cols, option) })) };
  });
  const allInt8: NmFormat = { kind: 'nm', n: 2, m: 4, values: 'int8', perWeight: Object.fromEntries(names.map((n) => [n, { sparse: false, bits: 7 }])) };
  const weights = new Map(s.params.map((p) => [p.spec.name, p.data]));
  const int8Bytes = serializeGraph(buildClassifierExport({ model: s.model, numLabels: s.classes, params: weights, format: allInt8, quantizeEmbeddings: s.quantizeEmbeddings })).length;
  const fixed = int8Bytes - layers.reduce((n, l) => n + l.costs.find((c) => !c.option.pattern && c.option.bits === 7)!.bytes, 0);
  const smallest = layers.reduce((n, l) => n + Math.min(...l.costs.map((c) => c.bytes)), 0);
  if (fixed + smallest > s.maxBytes) throw new Error(`--max-bytes ${s.maxBytes} is below the smallest file the search can write, ${fixed + smallest} bytes (${fixed} outside the encoder matrices: embeddings at 8 bits, norms, head, graph): raise it`);
  const chosen = chooseUnderBudget(layers, s.maxBytes - fixed);
  const format: NmFormat = { kind: 'nm', n: 2, m: 4, values: 'int8', perWeight: Object.fromEntries(chosen.map((c) => [c.name, { sparse: c.option.pattern !== null, bits: c.option.bits }])) };
  const sparse = chosen.filter((c) => c.option.pattern).map((c) => c.name);
  const pruning: PruningPlan | null = sparse.length > 0 ? { sparsity: 0.5, schedule: 'gradual', scope: 'global', rampEnd: 0.75, pattern: { n: 2, m: 4 }, patternWeights: sparse } : null;
  const record = {
    max_bytes: s.maxBytes,
    fixed_bytes: fixed,
    predicted_bytes: fixed + chosen.reduce((n, c) => n + c.bytes, 0),
    sensitivity: `Fisher-weighted squared error, sum F (w - Q(w))^2, F the squared gradients of ${FISHER_BATCHES} training batches`,
    options: SEARCH_OPTIONS.map(optionName),
    choices: chosen.map((c) => ({ weight: c.name, option: optionName(c.option), bytes: c.bytes, sensitivity: c.sensitivity })),
  };
  return { format, pruning, record };
}
