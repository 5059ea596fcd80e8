import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import { initParams } from '../../src/nn/params.ts';
import { validateSeq2SeqConfig } from '../../src/nn/seq2seq_config.ts';
import { seq2seqParamSpecs } from '../../src/nn/seq2seq_params.ts';
import { openOnnxTranslator } from '../../src/export/translation_onnx.ts';
import { openTranslator } from '../../src/pipeline/translate.ts';
import { tokenizerToJson } from '../../src/tokenizer/tokenizer_json.ts';
import { saveCheckpoint } from '../../src/train/checkpoint.ts';
import { existsSync } from 'node:fs';
import { swordRoot } from '../../src/data/sword.ts';
import { mobyTokenizer } from '../helpers/checkpoints.ts';

const missingCorpus = () => (['engKJV2006eb', 'spaRV1909eb'].every((id) => existsSync(path.join(swordRoot(), 'mods.d', `${id}.conf`))) ? false : 'needs Debian sword-text-kjv and sword-text-sparv');
import { runCli, tmpDir } from '../helpers/cli.ts';

// Twenty short sentences (King James Version, public domain) to translate.
const SENTENCES = [
  'In the beginning God created the heaven and the earth.', 'And God said, Let there be light: and there was light.', 'And God saw the light, that it was good.',
  'And the evening and the morning were the first day.', 'Jesus wept.', 'The LORD is my shepherd; I shall not want.', 'In the beginning was the Word.',
  'And the light shineth in darkness.', 'Blessed are the meek: for they shall inherit the earth.', 'Whither thou goest, I will go.', 'Thy people shall be my people.',
  'And Ruth said, Intreat me not to leave thee.', 'The words of the Preacher, the son of David.', 'Vanity of vanities; all is vanity.', 'To every thing there is a season.',
  'A time to be born, and a time to die.', 'Remember now thy Creator in the days of thy youth.', 'Love is patient.', 'Ask, and it shall be given you.', 'And it came to pass in those days.',
];

describe('a translation checkpoint exported for transformers.js', () => {
  const dir = tmpDir();
  const checkpoint = path.join(dir, 'mt');
  const models = path.join(dir, 'models');

  before(() => {
    const tokenizer = mobyTokenizer();
    // Random weights at a large scale: every argmax depends on exact logits, and outputs differ between sentences.
    const model = validateSeq2SeqConfig({ vocab_size: tokenizer.vocabSize, max_len: 40, d_model: 32, encoder_layers: 2, decoder_layers: 2, n_heads: 2, d_ff: 64, dropout: 0, init_std: 0.5 }, 'test');
    const params = initParams(seq2seqParamSpecs(model), model, 3);
    const zeros = params.map((p) => new Float32Array(p.data.length));
    saveCheckpoint(checkpoint, { modelType: 'tltc-seq2seq', model, train: { task: 'translate-en-es' }, state: { step: 1, tokens: 0, flops: 0, train_s: 0 }, params, m: zeros, v: zeros, tokenizerJson: JSON.stringify(tokenizerToJson(tokenizer)) }, 1);
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = models;
  });

  it('loads in the translation pipeline as it is, fp32 giving tltc translate\'s greedy output on 20 sentences, q8 smaller', async () => {
    const exported = runCli(['export', '--checkpoint', checkpoint, '--out', path.join(models, 'mt'), '--quant', 'fp32,int8']);
    assert.equal(exported.code, 0, exported.stderr);
    const config = JSON.parse(readFileSync(path.join(models, 'mt', 'config.json'), 'utf8'));
    assert.deepEqual([config.model_type, config.is_encoder_decoder, config.decoder_layers, config.decoder_start_token_id], ['mbart', true, 2, 2]);
    const input = path.join(dir, 'sentences.txt');
    writeFileSync(input, `${SENTENCES.join('\n')}\n`);
    const ours = runCli(['translate', '--checkpoint', checkpoint, '--input', input, '--threads', '1', '--quiet']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout.split('\n').length, 21, 'one line per sentence');
    // The exact strings (the command prints a line break inside a translation as a space).
    const translator = await openTranslator(checkpoint, { threads: 1 });
    const expected = await translator.translate(SENTENCES);
    await translator.release();
    assert.deepEqual(ours.stdout.split('\n').slice(0, -1), expected.map((t) => t.replace(/\r?\n/g, ' ')));
    assert.ok(new Set(expected).size >= 10, `the outputs must differ for the comparison to mean anything: ${JSON.stringify(expected.slice(0, 3))}`);
    // One sentence per call: transformers.js keeps generating for rows that ended while others run on.
    const fp32 = await pipeline('translation', 'mt', { dtype: 'fp32' });
    for (const [i, s] of SENTENCES.entries()) {
      const [out] = (await fp32(s, { max_new_tokens: 40 })) as { translation_text: string }[];
      assert.equal(out.translation_text, expected[i], `sentence ${i + 1}: ${s}`);
    }
    // tltc's own runner of the exported files (tltc eval --onnx) decodes them as the checkpoint does, a batch at once.
    const runner = await openOnnxTranslator(path.join(models, 'mt'), '', 1);
    assert.deepEqual(await runner.translate(SENTENCES), expected);
    await runner.release();
    const q8 = await pipeline('translation', 'mt', { dtype: 'q8' });
    const [quantized] = (await q8(SENTENCES[0], { max_new_tokens: 40 })) as { translation_text: string }[];
    assert.equal(typeof quantized.translation_text, 'string');
    const size = (f: string) => statSync(path.join(models, 'mt', 'onnx', f)).size;
    // int8 matrices; at this tiny width the fp32 biases, norms and position table are a large share of the rest.
    for (const graph of ['encoder_model', 'decoder_model_merged']) assert.ok(size(`${graph}_quantized.onnx`) < 0.6 * size(`${graph}.onnx`), graph);
  });
});

describe('tltc eval --onnx on an exported translation file', () => {
  it('scores a weight format on the test books: BLEU, chrF, bytes, per-sentence latency, and the change from fp32', { skip: missingCorpus() }, () => {
    const dir = tmpDir();
    const tokenizer = mobyTokenizer();
    const model = validateSeq2SeqConfig({ vocab_size: tokenizer.vocabSize, max_len: 24, d_model: 32, encoder_layers: 1, decoder_layers: 1, n_heads: 2, d_ff: 64, dropout: 0 }, 'test');
    const params = initParams(seq2seqParamSpecs(model), model, 1);
    const zeros = params.map((p) => new Float32Array(p.data.length));
    saveCheckpoint(path.join(dir, 'mt'), { modelType: 'tltc-seq2seq', model, train: { task: 'translate-en-es' }, state: { step: 1, tokens: 0, flops: 0, train_s: 0 }, params, m: zeros, v: zeros, tokenizerJson: JSON.stringify(tokenizerToJson(tokenizer)) }, 1);
    assert.equal(runCli(['export', '--checkpoint', path.join(dir, 'mt'), '--out', path.join(dir, 'out')]).code, 0);
    const bytes: number[] = [];
    let fp32Bleu = NaN;
    for (const [file, format] of [['decoder_model_merged.onnx', 'fp32'], ['encoder_model_quantized.onnx', '_quantized'], ['decoder_model_merged_q4.onnx', '_q4']]) {
      const r = runCli(['eval', '--onnx', path.join(dir, 'out', 'onnx', file), '--examples', '6', '--threads', '1']);
      assert.equal(r.code, 0, r.stderr);
      const scores = JSON.parse(r.stdout);
      assert.deepEqual([scores.format, scores.task, scores.split, scores.pairs, scores.latency_sentences], [format, 'translate-en-es', 'test', 6, 6]);
      assert.ok(scores.bleu >= 0 && scores.chrf >= 0 && scores.bytes > 0 && scores.latency_ms_per_sentence > 0, JSON.stringify(scores));
      bytes.push(scores.bytes);
      if (format === 'fp32') fp32Bleu = scores.bleu;
      else {
        // The fp32 files decoded on the same sentences, and the change with its paired interval.
        assert.deepEqual([scores.fp32_bleu, scores.fp32_bytes], [fp32Bleu, bytes[0]]);
        assert.ok(Math.abs(scores.bleu_change - (scores.bleu - fp32Bleu)) < 1e-9 && scores.bleu_change_95[0] <= scores.bleu_change_95[1], JSON.stringify(scores));
      }
    }
    assert.ok(bytes[0] > bytes[1] && bytes[1] > bytes[2], `fp32, int8 and 4-bit files shrink in that order: ${bytes.join(', ')}`);
  });
});
