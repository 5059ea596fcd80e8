/**
 * `tltc export --format transformersjs` of a translation checkpoint: the folder transformers.js's
 * `translation` pipeline loads as it is, as an mBART model (same layout: pre-LN, embedding and
 * final norms, positions offset by 2): onnx/encoder_model.onnx and onnx/decoder_model_merged.onnx
 * (the decoder of nn/seq2seq_hf_decoder.ts) per weight format (fp32 '', int8 '_quantized', 4-bit
 * '_q4'), config.json, generation_config.json, tokenizer.json and tokenizer_config.json (a
 * RoBERTa BPE tokenizer: an mBART tokenizer class would demand language codes).
 */
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import { buildEncoderGraph } from '../nn/seq2seq_graphs.ts';
import { buildHfDecoderGraph } from '../nn/seq2seq_hf_decoder.ts';
import { seq2seqName, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { BOS, EOS, PAD } from '../tokenizer/tokenizer.ts';
import { tokenizerConfigJson, tokenizerFromJson } from '../tokenizer/tokenizer_json.ts';
import { loadSeq2SeqCheckpoint } from '../train/checkpoint.ts';
import { DECODER_START } from '../data/translation_batches.ts';
import { assertNewFolder, createFolder } from '../util/new_folder.ts';
import { onnxFileEntry, type OnnxFileEntry } from './onnx_file.ts';
import { exportWeights } from './weight_providers.ts';
import { compressesEmbeddings, formatFile, parseWeightFormat, type WeightFormat } from './weight_format.ts';
import { assertOutsideCheckpoint } from './transformersjs.ts';

export interface TranslationExportResult {
  dir: string;
  model_type: 'mbart';
  architecture: 'MBartForConditionalGeneration';
  task: 'translation';
  files: (OnnxFileEntry & { format: WeightFormat })[];
}

/** config.json as transformers.js reads an mBART model: the file layout, the cache's layer count, the generation ids. */
function mbartConfig(c: Seq2SeqConfig): object {
  return {
    model_type: 'mbart',
    architectures: ['MBartForConditionalGeneration'],
    is_encoder_decoder: true,
    encoder_layers: c.encoder_layers,
    decoder_layers: c.decoder_layers,
    d_model: c.d_model,
    encoder_attention_heads: c.n_heads,
    decoder_attention_heads: c.n_heads,
    encoder_ffn_dim: c.d_ff,
    decoder_ffn_dim: c.d_ff,
    vocab_size: c.vocab_size,
    max_position_embeddings: c.max_len,
    activation_function: 'gelu',
    scale_embedding: false,
    bos_token_id: BOS,
    pad_token_id: PAD,
    eos_token_id: EOS,
    decoder_start_token_id: DECODER_START,
    forced_bos_token_id: null,
    forced_eos_token_id: null,
    num_beams: 1,
  };
}

/** An exported file's name: the format's suffix on the graph's name (model_quantized.onnx -> encoder_model_quantized.onnx). */
const fileOf = (graph: 'encoder_model' | 'decoder_model_merged', format: WeightFormat) => path.join('onnx', formatFile(format).replace(/^model/, graph));

export async function exportTranslation(options: { checkpoint: string; outDir: string; formats?: readonly string[] }): Promise<TranslationExportResult> {
  const formats = (options.formats ?? ['fp32', 'int8']).map(parseWeightFormat);
  const ck = loadSeq2SeqCheckpoint(options.checkpoint);
  const c = ck.config.model;
  const out = path.resolve(options.outDir);
  assertNewFolder(out);
  assertOutsideCheckpoint(out, ck.dir);
  return createFolder(out, (write, staging) => {
    write('config.json', `${JSON.stringify(mbartConfig(c), null, 2)}\n`);
    write('generation_config.json', `${JSON.stringify({ bos_token_id: BOS, pad_token_id: PAD, eos_token_id: EOS, decoder_start_token_id: DECODER_START, max_length: c.max_len + 1 }, null, 2)}\n`);
    write('tokenizer.json', ck.tokenizerJson);
    write('tokenizer_config.json', `${JSON.stringify(tokenizerConfigJson(c.max_len, tokenizerFromJson(JSON.parse(ck.tokenizerJson), `${ck.dir}/tokenizer.json`)), null, 2)}\n`);
    const files = formats.flatMap((format) =>
      (['encoder_model', 'decoder_model_merged'] as const).map((graph) => {
        const weights = (g: Parameters<typeof exportWeights>[0]) => exportWeights(g, ck.params, format, compressesEmbeddings(format));
        const bytes = serializeGraph(graph === 'encoder_model' ? buildEncoderGraph(c, weights) : buildHfDecoderGraph(c, weights));
        const file = fileOf(graph, format);
        write(file, bytes);
        return { ...onnxFileEntry(staging, path.join(staging, file), bytes), format };
      }),
    );
    const result: TranslationExportResult = { dir: out, model_type: 'mbart', architecture: 'MBartForConditionalGeneration', task: 'translation', files };
    const { dir: _dir, ...manifest } = result;
    const translationTask = (ck.config.train as { task?: string }).task;
    write('export.json', `${JSON.stringify({ ...manifest, model: seq2seqName(c), ...(translationTask ? { translation_task: translationTask } : {}), checkpoint: ck.dir }, null, 2)}\n`);
    return result;
  });
}
