import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import { buildEncoderExport } from '../../src/export/encoder_graph.ts';
import { exportHuggingFace } from '../../src/export/hf_export.ts';
import { exportTransformersJs } from '../../src/export/transformersjs.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { importHuggingFace } from '../../src/import/hf_import.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/io/safetensors.ts';
import { createSession } from '../../src/runtime/session.ts';
import type { Tokenizer } from '../../src/tokenizer/tokenizer.ts';
import { readHfTokenizer } from '../../src/tokenizer/hf_vocab.ts';
import { tokenizerFromJson, tokenizerToJson } from '../../src/tokenizer/tokenizer_json.ts';
import { loadCheckpoint } from '../../src/train/checkpoint.ts';
import { bertTokenizerJson } from '../helpers/bert_tokenizer.ts';
import { mobyTokenizer, paddedBatch, saveTinyCheckpoint, type SavedCheckpoint } from '../helpers/checkpoints.ts';
import { ROOT, runCli, tmpDir } from '../helpers/cli.ts';
import { findTorchPython, torchSkip } from '../helpers/python.ts';

const SENTENCES = ['Call me Ishmael.', 'The whale, the whale!', 'It was the <mask> of the voyage.', 'Queequeg was a native of Kokovoko, an island far away to the West and South.'];
const REFERENCE = path.join(ROOT, 'test/reference/hf_encoder.py');
const python = findTorchPython();

/** Logits of a tltc checkpoint through its fp32 ONNX export, on `rows` padded as transformers.js pads. */
async function tltcLogits(dir: string, rows: number[][]): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const ck = loadCheckpoint(dir, false, 'any');
  const head = ck.config.model_type === 'tltc-classifier' ? 'classifier' : 'mlm';
  const bytes = serializeGraph(buildEncoderExport({ model: ck.config.model, head, numLabels: ck.config.labels?.length, params: ck.params, format: { kind: 'fp32' } }));
  const session = await createSession(bytes, { threads: 1 });
  const { input_ids, attention_mask } = paddedBatch(rows);
  const out = await session.run({ input_ids, attention_mask });
  return { dims: out.logits.dims, data: out.logits.data as Float32Array };
}

/** Logits of a Hugging Face folder from the PyTorch reference (ids in the folder's own numbering). */
function referenceLogits(dir: string, rows: number[][], pad = 1): Float32Array {
  const len = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...r, ...Array(len - r.length).fill(pad)]);
  const mask = rows.map((r) => [...r.map(() => 1), ...Array(len - r.length).fill(0)]);
  writeFileSync(path.join(dir, 'ids.json'), JSON.stringify(ids));
  writeFileSync(path.join(dir, 'mask.json'), JSON.stringify(mask));
  const r = spawnSync(python!, [REFERENCE, 'run', dir, path.join(dir, 'ids.json'), path.join(dir, 'mask.json'), path.join(dir, 'ref.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Float32Array.from((JSON.parse(readFileSync(path.join(dir, 'ref.json'), 'utf8')) as { logits: number[] }).logits);
}

/** Largest difference at real (unpadded) positions; `width` values per position. */
function maxDiffAtTokens(a: Float32Array, b: Float32Array, rows: number[][], width: number, perPosition: boolean): number {
  const len = Math.max(...rows.map((r) => r.length));
  let worst = 0;
  rows.forEach((r, i) => {
    const positions = perPosition ? r.length : 1;
    for (let t = 0; t < positions; t++) {
      const at = perPosition ? (i * len + t) * width : i * width;
      for (let k = 0; k < width; k++) worst = Math.max(worst, Math.abs(a[at + k] - b[at + k]));
    }
  });
  return worst;
}

/**
 * tokenizer.json with RoBERTa's numbering quirk: <mask> last, as roberta-base has it at 50264,
 * and `extra` unused ids after it (models often round vocab_size up). Returns the old -> new ids.
 */
function renumberedTokenizerJson(tok: Tokenizer): { json: object; newId: (id: number) => number } {
  const json = tokenizerToJson(tok) as { added_tokens: { id: number; content: string }[]; model: { vocab: Record<string, number> } };
  const last = tok.vocabSize - 1;
  const newId = (id: number) => (id < 4 ? id : id === 4 ? last : id - 1);
  for (const t of json.added_tokens) t.id = newId(t.id);
  for (const k of Object.keys(json.model.vocab)) json.model.vocab[k] = newId(json.model.vocab[k]);
  return { json, newId };
}

describe('Hugging Face interop', () => {
  let dir: string;
  let tokenizer: Tokenizer;
  let mlm: SavedCheckpoint;
  let prunedCls: SavedCheckpoint;
  let rows: number[][];

  before(() => {
    dir = tmpDir('tltc-hf-');
    tokenizer = mobyTokenizer();
    mlm = saveTinyCheckpoint(path.join(dir, 'mlm-run'), tokenizer, 'tltc-mlm');
    // Post-LN, with one head and 28 FFN neurons removed by structured pruning.
    prunedCls = saveTinyCheckpoint(path.join(dir, 'cls-run'), tokenizer, 'tltc-classifier', ['fiction', 'news', 'poetry'], 2, { norm: 'post', layer_heads: [1, 2], layer_ffn: [100, 128] });
    rows = SENTENCES.map((s) => tokenizer.encodeForModel(s));
  });

  it('exports a pre-LN masked LM under RoBERTa-PreLayerNorm names, and a pruned post-LN classifier as dense RoBERTa', async () => {
    const pre = await exportHuggingFace({ checkpoint: mlm.dir, outDir: path.join(dir, 'hf-mlm') });
    assert.equal(pre.model_type, 'roberta-prelayernorm');
    assert.equal(pre.architecture, 'RobertaPreLayerNormForMaskedLM');
    const names = [...decodeSafetensors(readFileSync(path.join(pre.dir, 'model.safetensors')), 'hf-mlm').tensors.keys()].sort();
    // The names transformers' RobertaPreLayerNormForMaskedLM holds for 2 layers, written out here rather than derived.
    const layer = (i: number) =>
      [
        'attention.LayerNorm',
        'attention.self.query',
        'attention.self.key',
        'attention.self.value',
        'attention.output.dense',
        'intermediate.LayerNorm',
        'intermediate.dense',
        'output.dense',
      ].flatMap((m) => [`roberta_prelayernorm.encoder.layer.${i}.${m}.weight`, `roberta_prelayernorm.encoder.layer.${i}.${m}.bias`]);
    const expected = [
      'roberta_prelayernorm.embeddings.word_embeddings.weight',
      'roberta_prelayernorm.embeddings.position_embeddings.weight',
      'roberta_prelayernorm.embeddings.token_type_embeddings.weight',
      'roberta_prelayernorm.embeddings.LayerNorm.weight',
      'roberta_prelayernorm.embeddings.LayerNorm.bias',
      ...layer(0),
      ...layer(1),
      'roberta_prelayernorm.LayerNorm.weight',
      'roberta_prelayernorm.LayerNorm.bias',
      'lm_head.dense.weight',
      'lm_head.dense.bias',
      'lm_head.layer_norm.weight',
      'lm_head.layer_norm.bias',
      'lm_head.bias',
    ].sort();
    assert.deepEqual(names, expected);
    const config = JSON.parse(readFileSync(path.join(pre.dir, 'config.json'), 'utf8'));
    assert.equal(config.model_type, 'roberta-prelayernorm');
    assert.equal(config.max_position_embeddings, 66);

    const post = await exportHuggingFace({ checkpoint: prunedCls.dir, outDir: path.join(dir, 'hf-cls') });
    assert.equal(post.architecture, 'RobertaForSequenceClassification');
    assert.deepEqual(post.padded, { heads: 1, neurons: 28 });
    const tensors = decodeSafetensors(readFileSync(path.join(post.dir, 'model.safetensors')), 'hf-cls').tensors;
    assert.deepEqual(tensors.get('roberta.encoder.layer.0.attention.self.query.weight')!.shape, [64, 64]);
    assert.deepEqual(tensors.get('roberta.encoder.layer.0.intermediate.dense.weight')!.shape, [128, 64]);
    assert.deepEqual(tensors.get('roberta.encoder.layer.0.output.LayerNorm.weight')!.shape, [64]);
    assert.deepEqual(JSON.parse(readFileSync(path.join(post.dir, 'config.json'), 'utf8')).id2label, { 0: 'fiction', 1: 'news', 2: 'poetry' });
  });

  it('export then import gives back a checkpoint that computes the same logits', async () => {
    for (const [name, ck] of [['hf-mlm', mlm], ['hf-cls', prunedCls]] as const) {
      const back = await importHuggingFace({ from: path.join(dir, name), outDir: path.join(dir, `${name}-back`) });
      assert.equal(back.renumbered, false);
      assert.deepEqual(back.initialized, []);
      const [a, b] = [await tltcLogits(ck.dir, rows), await tltcLogits(back.dir, rows)];
      assert.deepEqual(a.dims, b.dims);
      const width = a.dims[a.dims.length - 1];
      const diff = maxDiffAtTokens(a.data, b.data, rows, width, name === 'hf-mlm');
      assert.ok(diff < 1e-5, `${name}: max logit difference ${diff}`);
    }
  });

  it('the exported folders load into modules with transformers\' names and shapes, and compute tltc\'s logits', { skip: torchSkip(python) }, async () => {
    assert.ok(python, 'PyTorch is needed: apt-get install python3-torch');
    for (const [name, ck] of [['hf-mlm', mlm], ['hf-cls', prunedCls]] as const) {
      const ours = await tltcLogits(ck.dir, rows);
      const ref = referenceLogits(path.join(dir, name), rows);
      const width = ours.dims[ours.dims.length - 1];
      const diff = maxDiffAtTokens(ours.data, ref, rows, width, name === 'hf-mlm');
      assert.ok(diff < 1e-4, `${name}: max logit difference to the reference ${diff}`);
    }
  });

  it('imports RoBERTa, RoBERTa-PreLayerNorm and BERT folders made by PyTorch (fp32, fp16, bf16), renumbering their vocabularies, exactly', { skip: torchSkip(python) }, async () => {
    assert.ok(python, 'PyTorch is needed: apt-get install python3-torch');
    const roberta = renumberedTokenizerJson(tokenizer);
    const bert = bertTokenizerJson();
    const bertOrder = readHfTokenizer(bert.json, 'bert').order;
    const cases = [
      { name: 'roberta-mlm', model_type: 'roberta', architecture: 'RobertaForMaskedLM', dtype: 'F32', extraVocab: 3, tok: roberta.json, toHf: roberta.newId, vocab: tokenizer.vocabSize },
      { name: 'prelayernorm-cls', model_type: 'roberta-prelayernorm', architecture: 'RobertaPreLayerNormForSequenceClassification', dtype: 'F16', extraVocab: 0, tok: roberta.json, toHf: roberta.newId, vocab: tokenizer.vocabSize },
      { name: 'bert-mlm', model_type: 'bert', architecture: 'BertForMaskedLM', dtype: 'F32', extraVocab: 0, tok: bert.json, toHf: (id: number) => bertOrder[id], vocab: bert.vocabSize },
      { name: 'bert-cls', model_type: 'bert', architecture: 'BertForSequenceClassification', dtype: 'BF16', extraVocab: 2, tok: bert.json, toHf: (id: number) => bertOrder[id], vocab: bert.vocabSize },
    ];
    for (const c of cases) {
      const hfDir = path.join(dir, `made-${c.name}`);
      mkdirSync(hfDir, { recursive: true });
      const classifier = c.architecture.endsWith('ForSequenceClassification');
      const isBert = c.model_type === 'bert';
      const config = {
        model_type: c.model_type,
        architectures: [c.architecture],
        vocab_size: c.vocab + c.extraVocab,
        hidden_size: 32,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        intermediate_size: 48,
        max_position_embeddings: 66,
        type_vocab_size: isBert ? 2 : 1,
        layer_norm_eps: isBert ? 1e-12 : 1e-5,
        hidden_act: 'gelu',
        pad_token_id: isBert ? 0 : 1,
        ...(classifier ? { id2label: { 0: 'no', 1: 'yes' } } : {}),
      };
      writeFileSync(path.join(hfDir, 'config.json'), JSON.stringify(config));
      writeFileSync(path.join(hfDir, 'tokenizer.json'), JSON.stringify(c.tok));
      const made: SpawnSyncReturns<string> = spawnSync(python!, [REFERENCE, 'make', hfDir, '7', c.dtype], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const imported = await importHuggingFace({ from: hfDir, outDir: path.join(dir, `imported-${c.name}`) });
      assert.equal(imported.renumbered, true);
      assert.equal(imported.model.vocab_size, c.vocab);
      assert.equal(imported.model.norm, c.model_type === 'roberta-prelayernorm' ? 'pre' : 'post');
      if (classifier) assert.deepEqual(imported.labels, ['no', 'yes']);
      const ids = SENTENCES.map((s) => tokenizerFromJson(JSON.parse(loadCheckpoint(imported.dir, false, 'any').tokenizerJson), c.name).encodeForModel(s));
      const ref = referenceLogits(hfDir, ids.map((r) => r.map(c.toHf)), c.toHf(1));
      const ours = await tltcLogits(imported.dir, ids);
      const width = ours.dims[ours.dims.length - 1];
      // The MLM's vocabulary axis is in each side's own numbering: compare through toHf.
      const refInOurIds = classifier ? ref : Float32Array.from({ length: ours.data.length }, (_, k) => ref[Math.floor(k / width) * config.vocab_size + c.toHf(k % width)]);
      const diff = maxDiffAtTokens(ours.data, refInOurIds, ids, width, !classifier);
      assert.ok(diff < 1e-4, `${c.name}: max logit difference to the reference ${diff}`);
    }
  });

  it('a BERT import fine-tunes, exports for transformers.js, and its pipeline gives tltc\'s scores', { skip: torchSkip(python) }, async () => {
    const imported = path.join(dir, 'imported-bert-mlm');
    assert.ok(existsSync(imported), 'the import test above made it');
    const ft = path.join(dir, 'bert-finetuned');
    const r = runCli(['finetune', '--checkpoint', imported, '--task', 'genre', '--budget', '10steps', '--eval-examples', '20', '--out', ft, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    await exportTransformersJs({ checkpoint: ft, outDir: path.join(dir, 'models', 'bert-cls'), formats: ['fp32'] });
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = path.join(dir, 'models');
    const classify = await pipeline('text-classification', 'bert-cls', { dtype: 'fp32' });
    const text = 'Call me Ishmael. Some years ago, never mind how long precisely.';
    const got = (await classify(text, { top_k: 3 })) as { label: string; score: number }[];
    const ck = loadCheckpoint(ft, false, 'tltc-classifier');
    const ids = tokenizerFromJson(JSON.parse(ck.tokenizerJson), 'bert').encodeForModel(text);
    assert.equal(ids[0], 0, '[CLS] first');
    const logits = (await tltcLogits(ft, [ids])).data;
    const max = Math.max(...logits);
    const exp = Array.from(logits, (v) => Math.exp(v - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    const labels = ck.config.labels!;
    for (const g of got) assert.ok(Math.abs(g.score - exp[labels.indexOf(g.label)] / sum) < 1e-5, `${g.label}: ${g.score}`);
  });

  it('refuses what it cannot import exactly, in one line, writing nothing', async () => {
    const bad = path.join(dir, 'bad');
    mkdirSync(bad, { recursive: true });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ model_type: 'gpt2' }, /model_type gpt2 is not one tltc imports \(roberta, roberta-prelayernorm, bert\)/],
      [{ model_type: 'roberta', hidden_act: 'gelu_new' }, /hidden_act gelu_new: tltc computes exact GELU/],
      [{ model_type: 'roberta', position_embedding_type: 'relative_key' }, /absolute positions only/],
      [{ model_type: 'roberta', pad_token_id: 0 }, /pad_token_id 0/],
    ];
    const base = { vocab_size: 1000, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 4, intermediate_size: 48, max_position_embeddings: 40, pad_token_id: 1 };
    const out = path.join(dir, 'never');
    for (const [override, message] of cases) {
      writeFileSync(path.join(bad, 'config.json'), JSON.stringify({ ...base, ...override }));
      await assert.rejects(importHuggingFace({ from: bad, outDir: out }), message);
    }
    writeFileSync(path.join(bad, 'config.json'), JSON.stringify({ ...base, model_type: 'roberta' }));
    await assert.rejects(importHuggingFace({ from: bad, outDir: out }), /model\.safetensors is missing/);
    writeFileSync(path.join(bad, 'model.safetensors'), encodeSafetensors(new Map([['roberta.pooler.dense.bias', { dtype: 'F32', shape: [32], data: new Float32Array(32) }]])));
    writeFileSync(path.join(bad, 'tokenizer.json'), JSON.stringify({ model: { type: 'Unigram', vocab: {} }, pre_tokenizer: { type: 'Metaspace' } }));
    await assert.rejects(importHuggingFace({ from: bad, outDir: out }), /is a Unigram tokenizer; tltc reads byte-level BPE \(RoBERTa's\) and WordPiece \(BERT's\)/);
    writeFileSync(path.join(bad, 'tokenizer.json'), JSON.stringify(tokenizerToJson(tokenizer)));
    await assert.rejects(importHuggingFace({ from: bad, outDir: out }), /lacks roberta\.embeddings\.word_embeddings\.weight/);
    // A model without the embedding norm has no HF class.
    const plain = saveTinyCheckpoint(path.join(dir, 'plain-run'), tokenizer, 'tltc-mlm', undefined, 3, { embedding_norm: false });
    await assert.rejects(exportHuggingFace({ checkpoint: plain.dir, outDir: out }), /no embedding LayerNorm .* export it with --format transformersjs/);
    // Through the CLI: one line on stderr, exit 1, and no folder.
    const r = runCli(['import', '--from', bad, '--out', out]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!existsSync(out), 'nothing was written');
  });
});
