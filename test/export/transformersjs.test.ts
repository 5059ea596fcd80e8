import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { AutoModelForSequenceClassification, AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { createSession } from '../../src/runtime/session.ts';
import { MASK } from '../../src/tokenizer/tokenizer.ts';
import { exampleTokens } from '../../src/train/classifier_data.ts';
import { TRICKY_TEXT, trickyWithSpecials } from '../helpers/tricky_strings.ts';
import { mobyTokenizer, paddedBatch, saveTinyCheckpoint, type SavedCheckpoint } from '../helpers/checkpoints.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';

const DTYPES = [
  ['fp32', 'model.onnx'],
  ['q8', 'model_quantized.onnx'],
  ['q4', 'model_q4.onnx'],
] as const;

const TRICKY = [...TRICKY_TEXT, ...trickyWithSpecials('<mask>', ['<s>', '</s>', '<pad>'])];

const softmax = (row: ArrayLike<number>) => {
  const max = Math.max(...Array.from(row));
  const e = Array.from(row, (v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
};

describe('transformers.js loads exported folders as they are', () => {
  const dir = tmpDir();
  const models = path.join(dir, 'models');
  let mlm: SavedCheckpoint;
  let cls: SavedCheckpoint;

  before(() => {
    const tokenizer = mobyTokenizer();
    mlm = saveTinyCheckpoint(path.join(dir, 'mlm-run'), tokenizer, 'tltc-mlm');
    cls = saveTinyCheckpoint(path.join(dir, 'cls-run'), tokenizer, 'tltc-classifier', ['fiction', 'news', 'poetry'], 2);
    for (const [run, name] of [
      [mlm.dir, 'mlm'],
      [cls.dir, 'cls'],
    ]) {
      const r = runCli(['export', '--checkpoint', run, '--format', 'transformersjs', '--out', path.join(models, name)]);
      assert.equal(r.code, 0, r.stderr);
    }
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = models;
  });

  /** Our own inference: the exported file through onnxruntime-node, fed with tltc's tokenizer. */
  async function ownRun(name: string, file: string, rows: number[][]) {
    const session = await createSession(readFileSync(path.join(models, name, 'onnx', file)), { threads: 1 });
    const { input_ids, attention_mask, len } = paddedBatch(rows);
    const out = await session.run({ input_ids, attention_mask });
    return { logits: out.logits.data as Float32Array, hidden: out.last_hidden_state.data as Float32Array, len };
  }

  it('writes the transformers.js layout, with id2label for a classifier', () => {
    for (const name of ['mlm', 'cls']) {
      for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'export.json', ...DTYPES.map(([, file]) => `onnx/${file}`)]) {
        assert.ok(existsSync(path.join(models, name, f)), `${name}/${f}`);
      }
    }
    const config = JSON.parse(readFileSync(path.join(models, 'cls', 'config.json'), 'utf8'));
    assert.equal(config.model_type, 'roberta');
    assert.deepEqual(config.architectures, ['RobertaForSequenceClassification']);
    assert.deepEqual(config.id2label, { 0: 'fiction', 1: 'news', 2: 'poetry' });
    assert.equal(config.max_position_embeddings, cls.model.max_len + 2);
    assert.deepEqual(JSON.parse(readFileSync(path.join(models, 'mlm', 'config.json'), 'utf8')).architectures, ['RobertaForMaskedLM']);
  });

  it('tokenizes tricky strings exactly as tltc does', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('mlm');
    for (const text of TRICKY) {
      const theirs = (tokenizer(text).input_ids.tolist() as bigint[][])[0].map(Number);
      assert.deepEqual(theirs, mlm.tokenizer.encodeForModel(text), JSON.stringify(text));
    }
  });

  it('encodes sentence pairs as tltc does: <s> a </s></s> b </s>', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('mlm');
    const long = 'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse.';
    const pairs: [string, string][] = [['Is the whale white?', 'The whale was white.'], [long, 'A short one.'], ...TRICKY_TEXT.slice(0, 8).map((t, i): [string, string] => [t, TRICKY_TEXT[TRICKY_TEXT.length - 1 - i]])];
    // Untruncated: transformers.js cuts an over-long joined sequence at its end (losing the
    // final </s>), where tltc cuts the longer text first as Hugging Face's Python tokenizers do.
    for (const [a, b] of pairs) {
      const theirs = (tokenizer(a, { text_pair: b }).input_ids.tolist() as bigint[][])[0].map(Number);
      assert.deepEqual(exampleTokens(mlm.tokenizer, { text: a, pair: b }, 1024), theirs, JSON.stringify([a, b]));
    }
  });

  for (const [dtype, file] of DTYPES) {
    it(`fill-mask (${dtype}) gives tltc's top tokens and probabilities`, async () => {
      const fill = await pipeline('fill-mask', 'mlm', { dtype });
      const text = 'I sat down on an old <mask> and looked at the sea.';
      const got = (await fill(text, { top_k: 5 })) as { score: number; token: number; token_str: string }[];
      const ids = mlm.tokenizer.encodeForModel(text);
      const at = ids.indexOf(MASK);
      const own = await ownRun('mlm', file, [ids]);
      const v = mlm.model.vocab_size;
      const probs = softmax(own.logits.subarray(at * v, (at + 1) * v));
      const top = probs
        .map((p, id) => [p, id] as const)
        .sort((a, b) => b[0] - a[0])
        .slice(0, 5);
      assert.deepEqual(
        got.map((g) => g.token),
        top.map(([, id]) => id),
      );
      got.forEach((g, i) => assert.ok(Math.abs(g.score - top[i][0]) < 1e-5, `${g.score} vs ${top[i][0]}`));
      assert.deepEqual(
        got.map((g) => g.token_str.trim()),
        top.map(([, id]) => mlm.tokenizer.decode([id]).trim()),
      );
    });

    it(`text-classification (${dtype}) on a padded batch gives tltc's label probabilities`, async () => {
      const classify = await pipeline('text-classification', 'cls', { dtype });
      const texts = ['Call me Ishmael.', 'It was the best of times, it was the worst of times, it was the age of wisdom.', 'Whale!'];
      const got = (await classify(texts, { top_k: null })) as { label: string; score: number }[][];
      const own = await ownRun('cls', file, texts.map((t) => cls.tokenizer.encodeForModel(t)));
      texts.forEach((_, b) => {
        const probs = softmax(own.logits.subarray(b * 3, b * 3 + 3));
        for (const { label, score } of got[b]) assert.ok(Math.abs(score - probs[cls.labels!.indexOf(label)]) < 1e-5, `${texts[b]}: ${label} ${score} vs ${probs[cls.labels!.indexOf(label)]}`);
        assert.equal(got[b].length, 3);
      });
      if (dtype === 'fp32') {
        // Padding changes nothing: each text alone gives its batched logits.
        for (const [b, t] of texts.entries()) {
          const alone = await ownRun('cls', file, [cls.tokenizer.encodeForModel(t)]);
          alone.logits.forEach((x, i) => assert.ok(Math.abs(x - own.logits[b * 3 + i]) < 1e-4));
        }
      }
    });
  }

  it('tltc predict gives transformers.js\'s labels and scores, from the checkpoint and from the exported file, for texts and pairs', async () => {
    const classify = await pipeline('text-classification', 'cls', { dtype: 'fp32' });
    const texts = ['Call me Ishmael.', 'It was the best of times, it was the worst of times.', 'Whale!'];
    const theirs = (await classify(texts, { top_k: 3 })) as { label: string; score: number }[][];
    const lines = (args: string[]) => {
      const r = runCli(['predict', ...args, '--top-k', '3', '--threads', '1', '--quiet']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; text_pair?: string; label: string; score: number; top_k: { label: string; score: number }[] });
    };
    for (const source of [['--checkpoint', cls.dir], ['--onnx', path.join(models, 'cls', 'onnx', 'model.onnx')]]) {
      const ours = lines([...source, '--text', ...texts]);
      assert.deepEqual(ours.map((p) => p.text), texts);
      ours.forEach((p, i) => {
        assert.deepEqual(p.top_k.map((x) => x.label), theirs[i].map((x) => x.label), texts[i]);
        p.top_k.forEach((x, j) => assert.ok(Math.abs(x.score - theirs[i][j].score) < 1e-5, `${x.score} vs ${theirs[i][j].score}`));
        assert.equal(p.label, theirs[i][0].label);
      });
    }
    const input = path.join(dir, 'pairs.jsonl');
    writeFileSync(input, [{ text: 'Is the whale white?', text_pair: 'The whale was white.' }, { text: 'Who is Ishmael?', text_pair: 'Call me Ishmael.' }].map((x) => JSON.stringify(x)).join('\n') + '\n');
    const pairs = lines(['--onnx', path.join(models, 'cls', 'onnx', 'model.onnx'), '--input', input]);
    // The text-classification pipeline takes single texts only: pairs go through transformers.js's tokenizer and model.
    const tokenizer = await AutoTokenizer.from_pretrained('cls');
    const model = await AutoModelForSequenceClassification.from_pretrained('cls', { dtype: 'fp32' });
    for (const [i, p] of pairs.entries()) {
      assert.equal(p.text_pair, i === 0 ? 'The whale was white.' : 'Call me Ishmael.');
      const { logits } = await model(tokenizer(p.text, { text_pair: p.text_pair }));
      const probs = softmax(logits.data as Float32Array);
      for (const x of p.top_k) assert.ok(Math.abs(x.score - probs[cls.labels!.indexOf(x.label)]) < 1e-5, JSON.stringify([x, probs]));
    }
    const bad = runCli(['predict', '--onnx', path.join(models, 'cls', 'onnx', 'model.onnx'), '--input', input, '--text-column', 'sentence']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tltc: .*pairs\.jsonl:1: no column "sentence" \(columns: "text", "text_pair"\); name the text column with --text-column\n$/);
  });

  it('feature-extraction on a classifier folder returns tltc\'s last hidden state', async () => {
    const extract = await pipeline('feature-extraction', 'cls', { dtype: 'fp32' });
    const text = 'The sea was calm.';
    const got = await extract(text);
    const ids = cls.tokenizer.encodeForModel(text);
    assert.deepEqual(got.dims, [1, ids.length, cls.model.d_model]);
    const own = await ownRun('cls', 'model.onnx', [ids]);
    const data = got.data as Float32Array;
    own.hidden.forEach((x, i) => assert.ok(Math.abs(x - data[i]) < 1e-5));
  });

  it('refuses to export over a folder that holds files, or into the checkpoint, with one line', () => {
    const busy = runCli(['export', '--checkpoint', mlm.dir, '--out', path.join(models, 'mlm')]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /^tltc: --out .* already exists and is not empty: choose a new folder \(nothing was written\)\n$/);
    const inside = runCli(['export', '--checkpoint', mlm.dir, '--out', path.join(mlm.dir, 'checkpoints', 'step-00000001', 'export')]);
    assert.match(inside.stderr, /is inside the checkpoint/);
    const badFormat = runCli(['export', '--checkpoint', mlm.dir, '--out', path.join(dir, 'x'), '--format', 'tflite']);
    assert.match(badFormat.stderr, /^tltc: --format tflite is not known: use transformersjs, hf\n$/);
    assert.ok(!existsSync(path.join(dir, 'x')));
  });
});
