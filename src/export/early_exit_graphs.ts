/**
 * An early-exit classifier (nn/early_exit.ts) as graphs that tltc's runtime runs one after
 * another (early_exit_runner.ts), so a sequence that leaves stops computing: `embeddings`
 * (input_ids, attention_mask -> hidden_out) and, per layer i, `layer_<i>` (hidden,
 * attention_mask -> hidden_out, logits): the layer and its exit. One file per block rather than
 * `If` subgraphs: an `If` decides for the whole batch, while rows leave one by one.
 * Built from the same layer functions as every other graph, in any weight format.
 */
import { Graph, type Tensor } from '../graph/index.ts';
import { embed, maskedPositions, modelContext } from '../nn/encoder.ts';
import { exitLogits } from '../nn/early_exit.ts';
import { encoderLayer } from '../nn/layers.ts';
import { attentionBias, DYNAMIC } from '../nn/layout.ts';
import { robertaLayer } from '../nn/params.ts';
import type { ExportInput } from './encoder_graph.ts';
import { exportWeights } from './weight_providers.ts';

export interface ExitBlock {
  /** File stem: `embeddings` or `layer_<i>`. */
  name: string;
  graph: Graph;
}

/** The folder of a model file's blocks: `onnx/model.onnx` -> `onnx/model.exits`. */
export const exitBlocksDir = (onnxFile: string) => onnxFile.replace(/\.onnx$/, '.exits');

export const EXIT_BLOCKS_MANIFEST = 'exits.json';

/** What exits.json says: the blocks in running order, the classes of the exits and the hidden width between blocks. */
export interface ExitBlocksManifest {
  layers: number;
  labels: number;
  d_model: number;
  files: string[];
}

/** What a block's graph is built from: the model, its weights and their format. */
type BlockInput = Pick<ExportInput, 'model' | 'params' | 'format' | 'quantizeEmbeddings'>;

function contextOf(input: BlockInput, g: Graph, mask: Tensor) {
  const weights = exportWeights(g, input.params, input.format, input.quantizeEmbeddings);
  return modelContext(input.model, { weights, layout: DYNAMIC, kernels: 'standard', dropout: 0, attentionBias: attentionBias(mask) });
}

/** input_ids, attention_mask -> hidden_out: the first block of every early-exit model. */
export function embeddingsBlock(input: BlockInput): ExitBlock {
  const g = new Graph('tltc-exit-embeddings');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  g.output(embed(ids, maskedPositions(mask), input.model, contextOf(input, g, mask)), 'hidden_out');
  return { name: 'embeddings', graph: g };
}

type LayerHead = (x: Tensor, mask: Tensor, ctx: ReturnType<typeof contextOf>) => Tensor;

/** hidden, attention_mask -> logits (the layer's head on its output) and, when `passOn`, hidden_out for the next block. */
export function headedLayerBlock(input: BlockInput, layer: number, graphName: string, head: LayerHead, passOn: boolean): ExitBlock {
  const g = new Graph(graphName);
  const hidden = g.input('hidden', 'float32', ['batch', 'sequence', input.model.d_model]);
  const mask = g.input('attention_mask', 'int64', ['batch', 'sequence']);
  const ctx = contextOf(input, g, mask);
  const x = encoderLayer(hidden, ctx, robertaLayer(input.model, layer));
  g.output(head(x, mask, ctx), 'logits');
  if (passOn) g.output(x, 'hidden_out');
  return { name: `layer_${layer}`, graph: g };
}

function layerBlock(input: ExportInput, layer: number): ExitBlock {
  const c = input.model;
  const head: LayerHead = (x, mask, ctx) => exitLogits(x, mask, c, input.numLabels!, ctx, layer);
  return headedLayerBlock(input, layer, `tltc-exit-layer-${layer}`, head, layer < c.n_layers - 1);
}

/** The blocks of an early-exit classifier, in running order. */
export function buildExitBlocks(input: ExportInput): ExitBlock[] {
  const c = input.model;
  if (!c.exit_heads) throw new Error('export: the model has no early exits (fine-tune it with --early-exit)');
  if (!input.numLabels) throw new Error('export: a classifier needs numLabels');
  return [embeddingsBlock(input), ...Array.from({ length: c.n_layers }, (_, i) => layerBlock(input, i))];
}
