/**
 * tltc parameter names <-> Hugging Face `transformers` state-dict names, per architecture.
 * tltc names its parameters as HF RoBERTa does; a pre-LN model is HF's RoBERTa-PreLayerNorm,
 * which keeps the pre-FFN norm under `intermediate` and the last norm on the base model, and
 * BERT renames the prefix, the MLM head and the classifier (its pooler is RoBERTa's
 * classifier.dense). The table is in docs/HUGGINGFACE.md.
 */
import type { ModelConfig } from './config.ts';

export type HfArchitecture = 'roberta' | 'roberta-prelayernorm' | 'bert';
export const HF_ARCHITECTURES: readonly HfArchitecture[] = ['roberta', 'roberta-prelayernorm', 'bert'];

/** The base model's attribute in each architecture's head classes: the prefix of its tensors. */
export const HF_BASE_PREFIX: Record<HfArchitecture, string> = { roberta: 'roberta', 'roberta-prelayernorm': 'roberta_prelayernorm', bert: 'bert' };

/** `{i}` is a layer index and `*` the rest of the name; both are carried over as they are. */
interface Rule {
  tltc: string;
  hf: string;
}

const RULES: Record<HfArchitecture, Rule[]> = {
  roberta: [{ tltc: '*', hf: '*' }],
  'roberta-prelayernorm': [
    { tltc: 'roberta.encoder.layer.{i}.LayerNorm.*', hf: 'roberta_prelayernorm.encoder.layer.{i}.intermediate.LayerNorm.*' },
    { tltc: 'roberta.encoder.LayerNorm.*', hf: 'roberta_prelayernorm.LayerNorm.*' },
    { tltc: 'roberta.*', hf: 'roberta_prelayernorm.*' },
    { tltc: 'lm_head.*', hf: 'lm_head.*' },
    { tltc: 'classifier.*', hf: 'classifier.*' },
  ],
  bert: [
    { tltc: 'classifier.dense.*', hf: 'bert.pooler.dense.*' },
    { tltc: 'classifier.out_proj.*', hf: 'classifier.*' },
    { tltc: 'roberta.*', hf: 'bert.*' },
    { tltc: 'lm_head.dense.*', hf: 'cls.predictions.transform.dense.*' },
    { tltc: 'lm_head.layer_norm.*', hf: 'cls.predictions.transform.LayerNorm.*' },
    { tltc: 'lm_head.bias', hf: 'cls.predictions.bias' },
  ],
};

function pattern(template: string): RegExp {
  const escaped = template.replace(/[.]/g, '\\.').replace('{i}', '(\\d+)').replace('*', '(.+)');
  return new RegExp(`^${escaped}$`);
}

function fill(template: string, captures: string[]): string {
  let k = 0;
  return template.replace(/\{i\}|\*/g, () => captures[k++]);
}

function translate(name: string, arch: HfArchitecture, from: keyof Rule, to: keyof Rule): string | undefined {
  for (const rule of RULES[arch]) {
    const m = pattern(rule[from]).exec(name);
    if (m) return fill(rule[to], m.slice(1));
  }
  return undefined;
}

/** The HF name of tltc parameter `name`. */
export function toHfName(name: string, arch: HfArchitecture): string {
  const hf = translate(name, arch, 'tltc', 'hf');
  if (hf === undefined) throw new Error(`no Hugging Face ${arch} name for tltc parameter ${name}`);
  return hf;
}

/**
 * The tltc name HF tensor `name` would have, or undefined when no rule covers it; the caller
 * checks it against the model's parameter list.
 */
export function fromHfName(name: string, arch: HfArchitecture): string | undefined {
  // TF-converted BERT checkpoints name norm scales and shifts gamma and beta.
  const modern = name.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
  return translate(modern, arch, 'hf', 'tltc');
}

/** The HF architecture that computes what tltc model `c` computes, exactly. */
export function hfArchitectureOf(c: ModelConfig): 'roberta' | 'roberta-prelayernorm' {
  if (!c.embedding_norm) {
    throw new Error(
      'this checkpoint has no embedding LayerNorm (it was trained before tltc added one), and no Hugging Face RoBERTa class computes that: train it again, or export it with --format transformersjs',
    );
  }
  if (c.pooling === 'mean') {
    throw new Error('this classifier pools the mean of its tokens, and Hugging Face RoBERTa classifiers read the first token: export it to ONNX (tltc export) or fine-tune with --pooling first');
  }
  return c.norm === 'pre' ? 'roberta-prelayernorm' : 'roberta';
}
