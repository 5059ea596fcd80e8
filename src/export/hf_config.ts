/** config.json as Hugging Face `transformers` (and transformers.js) read a RoBERTa-family model. */
import type { ModelConfig } from '../nn/config.ts';
import type { HfArchitecture } from '../nn/hf_names.ts';
import type { ExportHead } from './encoder_graph.ts';

const CLASS_PREFIX: Record<HfArchitecture, string> = { roberta: 'Roberta', 'roberta-prelayernorm': 'RobertaPreLayerNorm', bert: 'Bert' };
const CLASS_SUFFIX: Record<ExportHead, string> = { mlm: 'ForMaskedLM', classifier: 'ForSequenceClassification', features: 'Model' };

/** The `transformers` class name, e.g. RobertaPreLayerNormForMaskedLM. */
export const hfArchitectureName = (arch: HfArchitecture, head: ExportHead) => `${CLASS_PREFIX[arch]}${CLASS_SUFFIX[head]}`;

/** config.json of the exported model; `objective` 'regression' sets Hugging Face's problem_type (one output, squared error). */
export function hfConfig(model: ModelConfig, arch: 'roberta' | 'roberta-prelayernorm', head: ExportHead, labels?: readonly string[], objective?: 'regression'): Record<string, unknown> {
  return {
    model_type: arch,
    architectures: [hfArchitectureName(arch, head)],
    vocab_size: model.vocab_size,
    hidden_size: model.d_model,
    num_hidden_layers: model.n_layers,
    num_attention_heads: model.n_heads,
    intermediate_size: model.d_ff,
    hidden_act: 'gelu',
    hidden_dropout_prob: model.dropout,
    attention_probs_dropout_prob: model.dropout,
    max_position_embeddings: model.max_len + 2, // positions start after padding_idx 1, as in RoBERTa
    type_vocab_size: 1,
    initializer_range: model.init_std,
    layer_norm_eps: model.layer_norm_eps,
    position_embedding_type: 'absolute',
    tie_word_embeddings: true,
    pad_token_id: 1,
    bos_token_id: 0,
    eos_token_id: 2,
    torch_dtype: 'float32',
    ...(objective ? { problem_type: objective } : {}),
    ...(labels ? { id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])), label2id: Object.fromEntries(labels.map((l, i) => [l, i])) } : {}),
    ...(model.layer_heads || model.layer_ffn ? { tltc_layer_heads: model.layer_heads, tltc_layer_ffn: model.layer_ffn } : {}),
  };
}
