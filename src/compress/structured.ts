/**
 * Structured pruning: attention heads and FFN neurons ranked by a first-order importance score
 * and physically removed, so the model really has fewer heads and a narrower FFN.
 *
 * Importance (Michel et al., 2019; Molchanov et al., 2019): a gate g on a head's (or neuron's)
 * output would have gradient dL/dg = sum over that head's columns of W_out * dL/dW_out, so the
 * score is |that sum| accumulated over batches of task data, normalized per layer. Removing a
 * structure equals zeroing its columns of the output projection (tested), since nothing else
 * reads its output.
 */
import type { Objective } from '../nn/classifier.ts';
import { eachBatchGradient } from './fisher.ts';
import { headDim, layerFfn, layerHeads, validateModelConfig, type ModelConfig } from '../nn/config.ts';
import { layerPrefix, type Parameter } from '../nn/params.ts';
import type { EncodedSplit } from '../train/classifier_data.ts';

export interface StructuredPlan {
  /** Fractions of all heads and of all FFN neurons to remove (each layer keeps at least one). */
  heads: number;
  ffn: number;
}

/** Parses `heads=0.3,ffn=0.4` (either part may be left out). */
export function parseStructured(text: string): StructuredPlan {
  const plan: StructuredPlan = { heads: 0, ffn: 0 };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(heads|ffn)=([0-9.eE+-]+)$/.exec(part);
    if (!m) throw new Error(`--structured "${text}": "${part}" is not heads=<fraction> or ffn=<fraction>, e.g. heads=0.3,ffn=0.4`);
    const v = Number(m[2]);
    if (!(v >= 0 && v < 1)) throw new Error(`--structured "${text}": ${m[1]} must be a fraction in [0, 1), got ${m[2]}`);
    plan[m[1] as 'heads' | 'ffn'] = v;
  }
  return plan;
}

export const attentionOutput = (i: number) => `${layerPrefix(i)}.attention.output.dense.weight`;
export const ffnOutput = (i: number) => `${layerPrefix(i)}.output.dense.weight`;

/** Per layer, |sum of W (.) dL/dW| over each structure's columns of the output projection. */
function columnGroupScores(w: Float32Array, g: Float32Array, rows: number, cols: number, group: number): Float64Array {
  const scores = new Float64Array(cols / group);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) scores[Math.floor(c / group)] += w[r * cols + c] * g[r * cols + c];
  return scores.map(Math.abs);
}

export interface Importance {
  heads: Float64Array[];
  neurons: Float64Array[];
}

/** Importance of every head and FFN neuron, accumulated over `batches` batches of `split`. */
export async function structureImportance(
  model: ModelConfig,
  classes: number,
  params: readonly Parameter[],
  split: EncodedSplit,
  shape: { batch: number; seq: number; batches: number; threads: number; objective?: Objective },
): Promise<Importance> {
  const targets = Array.from({ length: model.n_layers }, (_, i) => [attentionOutput(i), ffnOutput(i)]).flat();
  const values = new Map(params.map((p) => [p.spec.name, p]));
  const hs = headDim(model);
  const importance: Importance = {
    heads: Array.from({ length: model.n_layers }, (_, i) => new Float64Array(layerHeads(model, i))),
    neurons: Array.from({ length: model.n_layers }, (_, i) => new Float64Array(layerFfn(model, i))),
  };
  await eachBatchGradient(model, classes, params, split, targets, shape, (grads) => {
    for (let i = 0; i < model.n_layers; i++) {
      for (const [name, group, acc] of [
        [attentionOutput(i), hs, importance.heads[i]],
        [ffnOutput(i), 1, importance.neurons[i]],
      ] as const) {
        const p = values.get(name)!;
        const s = columnGroupScores(p.data, grads.get(name)!, p.spec.shape[0], p.spec.shape[1], group);
        s.forEach((v, j) => (acc[j] += v));
      }
    }
  });
  return importance;
}

/**
 * Which structures each layer keeps: scores are divided by their layer's L2 norm, then the
 * lowest floor(fraction * total) across all layers are removed, never a layer's last one.
 * Returns the kept indices per layer, ascending.
 */
export function selectKept(scores: readonly Float64Array[], fraction: number): number[][] {
  const normalized = scores.map((s) => {
    const norm = Math.sqrt(s.reduce((a, v) => a + v * v, 0)) || 1;
    return Array.from(s, (v) => v / norm);
  });
  return keepAllButLowest(normalized, fraction);
}

/**
 * Kept indices per layer after removing the floor(fraction * total) lowest scores across all
 * layers (ties by layer, then index), never a layer's last structure.
 */
export function keepAllButLowest(scores: readonly (readonly number[])[], fraction: number): number[][] {
  const all = scores.flatMap((s, layer) => s.map((score, index) => ({ score, layer, index })));
  all.sort((a, b) => a.score - b.score || a.layer - b.layer || a.index - b.index);
  const removed = scores.map((s) => new Uint8Array(s.length));
  const left = scores.map((s) => s.length);
  let toRemove = Math.floor(fraction * all.length);
  for (const e of all) {
    if (toRemove === 0) break;
    if (left[e.layer] <= 1) continue;
    removed[e.layer][e.index] = 1;
    left[e.layer]--;
    toRemove--;
  }
  return removed.map((r) => Array.from(r.keys()).filter((j) => !r[j]));
}

/** Rows `keep` (each `group` long) of a row-major (rows, cols) matrix. */
function keepRows(w: Float32Array, cols: number, keep: readonly number[], group: number): Float32Array {
  const out = new Float32Array(keep.length * group * cols);
  keep.forEach((k, i) => out.set(w.subarray(k * group * cols, (k + 1) * group * cols), i * group * cols));
  return out;
}

/** Columns `keep` (each `group` wide) of a row-major (rows, cols) matrix. */
function keepCols(w: Float32Array, rows: number, cols: number, keep: readonly number[], group: number): Float32Array {
  const width = keep.length * group;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) keep.forEach((k, i) => out.set(w.subarray(r * cols + k * group, r * cols + (k + 1) * group), r * width + i * group));
  return out;
}

/** The smaller model with only the kept heads and neurons of each layer; other tensors are shared. */
export function removeStructures(
  model: ModelConfig,
  params: ReadonlyMap<string, Float32Array>,
  keptHeads: readonly (readonly number[])[],
  keptNeurons: readonly (readonly number[])[],
): { model: ModelConfig; params: Map<string, Float32Array> } {
  const d = model.d_model;
  const hs = headDim(model);
  const out = new Map(params);
  const get = (name: string) => {
    const w = params.get(name);
    if (!w) throw new Error(`structured pruning: the checkpoint has no tensor ${name}`);
    return w;
  };
  for (let i = 0; i < model.n_layers; i++) {
    const p = layerPrefix(i);
    const heads = keptHeads[i];
    const neurons = keptNeurons[i];
    const attn = layerHeads(model, i) * hs;
    const ffn = layerFfn(model, i);
    for (const m of ['query', 'key', 'value']) {
      out.set(`${p}.attention.self.${m}.weight`, keepRows(get(`${p}.attention.self.${m}.weight`), d, heads, hs));
      out.set(`${p}.attention.self.${m}.bias`, keepRows(get(`${p}.attention.self.${m}.bias`), 1, heads, hs));
    }
    out.set(attentionOutput(i), keepCols(get(attentionOutput(i)), d, attn, heads, hs));
    out.set(`${p}.intermediate.dense.weight`, keepRows(get(`${p}.intermediate.dense.weight`), d, neurons, 1));
    out.set(`${p}.intermediate.dense.bias`, keepRows(get(`${p}.intermediate.dense.bias`), 1, neurons, 1));
    out.set(ffnOutput(i), keepCols(get(ffnOutput(i)), d, ffn, neurons, 1));
  }
  const smaller = validateModelConfig(
    { ...model, layer_heads: keptHeads.map((h) => h.length), layer_ffn: keptNeurons.map((n) => n.length) },
    'structured pruning',
  );
  return { model: smaller, params: out };
}

/** The same removal as masks: the unpruned weights with the removed structures' output columns zeroed. */
export function maskStructures(
  model: ModelConfig,
  params: ReadonlyMap<string, Float32Array>,
  keptHeads: readonly (readonly number[])[],
  keptNeurons: readonly (readonly number[])[],
): Map<string, Float32Array> {
  const out = new Map(params);
  const hs = headDim(model);
  for (let i = 0; i < model.n_layers; i++) {
    for (const [name, kept, group] of [
      [attentionOutput(i), keptHeads[i], hs],
      [ffnOutput(i), keptNeurons[i], 1],
    ] as const) {
      const w = Float32Array.from(params.get(name)!);
      const rows = model.d_model;
      const cols = w.length / rows;
      const keep = new Set(kept);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (!keep.has(Math.floor(c / group))) w[r * cols + c] = 0;
      out.set(name, w);
    }
  }
  return out;
}

/** A row-major (rows, cols) matrix widened to (rows, width) with zero columns on the right. */
function padCols(w: Float32Array, rows: number, cols: number, width: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(w.subarray(r * cols, (r + 1) * cols), r * width);
  return out;
}

/**
 * Every layer back to n_heads and d_ff, for formats that hold one size for all layers: removed
 * heads and neurons come back as zeros, which add exactly nothing (a head with zero value
 * weights, a neuron with GELU(0) = 0, each read by zero output columns).
 */
export function padStructures(model: ModelConfig, params: ReadonlyMap<string, Float32Array>): { model: ModelConfig; params: Map<string, Float32Array> } {
  const out = new Map(params);
  const d = model.d_model;
  const fullAttn = model.n_heads * headDim(model);
  // Rows of (rows, cols) matrices and of biases (cols 1) extend with zeros at the bottom.
  const padRows = (name: string, rows: number, cols: number) => {
    const grown = new Float32Array(rows * cols);
    grown.set(params.get(name)!);
    out.set(name, grown);
  };
  for (let i = 0; i < model.n_layers; i++) {
    const p = layerPrefix(i);
    const attn = layerHeads(model, i) * headDim(model);
    const ffn = layerFfn(model, i);
    for (const m of ['query', 'key', 'value']) {
      padRows(`${p}.attention.self.${m}.weight`, fullAttn, d);
      padRows(`${p}.attention.self.${m}.bias`, fullAttn, 1);
    }
    out.set(attentionOutput(i), padCols(params.get(attentionOutput(i))!, d, attn, fullAttn));
    padRows(`${p}.intermediate.dense.weight`, model.d_ff, d);
    padRows(`${p}.intermediate.dense.bias`, model.d_ff, 1);
    out.set(ffnOutput(i), padCols(params.get(ffnOutput(i))!, d, ffn, model.d_ff));
  }
  const { layer_heads: _heads, layer_ffn: _ffn, ...dense } = model;
  return { model: validateModelConfig(dense, 'padded model'), params: out };
}
