import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { initParams } from '../../src/nn/params.ts';
import { buildSeq2SeqLoss, seq2seqForwardFlops } from '../../src/nn/seq2seq.ts';
import { parseSeq2SeqName, seq2seqName, validateSeq2SeqConfig } from '../../src/nn/seq2seq_config.ts';
import { seq2seqNonEmbeddingParams, seq2seqParamSpecs } from '../../src/nn/seq2seq_params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';

const SHAPE = { batch: 2, source: 6, target: 5 };
const config = (smoothing: number) => validateSeq2SeqConfig({ vocab_size: 40, max_len: 8, d_model: 16, encoder_layers: 2, decoder_layers: 2, n_heads: 2, d_ff: 24, dropout: 0, init_std: 0.3, label_smoothing: smoothing }, 'test');

/** A session computing the loss, the NLL and every parameter's gradient of a tiny model, and its perturbed parameters. */
async function tinyModel(smoothing: number) {
  const c = config(smoothing);
  const s = buildSeq2SeqLoss(c, SHAPE, { dropout: 0 });
  const grads = gradients(s.loss, s.params);
  s.graph.output(s.loss, 'loss');
  s.graph.output(s.nll, 'nll');
  grads.forEach((g, i) => s.graph.output(g, `g${i}`));
  const session = await createSession(serializeGraph(s.graph), { threads: 1, optimization: 'disabled' });
  const rng = new Random(1);
  const params = initParams(seq2seqParamSpecs(c), { init_std: c.init_std } as never, 2);
  // Norm scales and biases perturbed too, so every path carries a visible gradient.
  for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] = (p.spec.init === 'zeros' ? 0 : 1) + 0.3 * rng.normal();
  return { c, session, params, rng };
}

type Batch = { source: number[]; mask: number[]; decoder: number[]; labels: number[] };

function feeds(params: ReturnType<typeof initParams>, b: Batch, shift?: { which: number; h: number; direction: Float32Array }): never {
  const f: Record<string, unknown> = {
    input_ids: ortTensor('int64', BigInt64Array.from(b.source.map(BigInt)), [SHAPE.batch, SHAPE.source]),
    attention_mask: ortTensor('int64', BigInt64Array.from(b.mask.map(BigInt)), [SHAPE.batch, SHAPE.source]),
    decoder_input_ids: ortTensor('int64', BigInt64Array.from(b.decoder.map(BigInt)), [SHAPE.batch, SHAPE.target]),
    labels: ortTensor('int64', BigInt64Array.from(b.labels.map(BigInt)), [SHAPE.batch * SHAPE.target]),
  };
  params.forEach((p, i) => {
    const d = p.data.slice();
    if (shift && i === shift.which) for (let k = 0; k < d.length; k++) d[k] += shift.h * shift.direction[k];
    f[p.spec.name] = ortTensor('float32', d, p.spec.shape);
  });
  return f as never;
}

const BATCH: Batch = {
  source: [5, 9, 12, 3, 7, 1, 8, 4, 30, 1, 1, 1],
  mask: [1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0],
  decoder: [0, 11, 17, 6, 21, 0, 14, 2, 1, 1],
  labels: [11, 17, 6, 21, 2, 14, 2, -100, -100, -100],
};

describe('encoder-decoder transformer', () => {
  it('matches directional finite differences for every parameter tensor, label smoothing on', async () => {
    // float32 (Gelu's Erf has no float64 kernel): step 1e-2 and a 2% + 1e-2 tolerance, as for the encoder.
    const { session, params, rng } = await tinyModel(0.1);
    const base = await session.run(feeds(params, BATCH));
    for (let i = 0; i < params.length; i++) {
      const direction = Float32Array.from({ length: params[i].data.length }, () => rng.normal());
      const g = base[`g${i}`].data as Float32Array;
      const analytic = g.reduce((sum, x, k) => sum + x * direction[k], 0);
      const h = 1e-2;
      const plus = (await session.run(feeds(params, BATCH, { which: i, h, direction }))).loss.data[0] as number;
      const minus = (await session.run(feeds(params, BATCH, { which: i, h: -h, direction }))).loss.data[0] as number;
      const numeric = (plus - minus) / (2 * h);
      assert.ok(Math.abs(analytic - numeric) <= 1e-2 + 2e-2 * Math.abs(numeric), `${params[i].spec.name}: analytic ${analytic} vs numeric ${numeric}`);
    }
    await session.release();
  });

  it('sees neither later target tokens nor source padding, and smooths the labels as stated', async () => {
    const { session, params } = await tinyModel(0.1);
    const loss = async (b: Batch) => {
      const out = await session.run(feeds(params, b));
      return [out.loss.data[0] as number, out.nll.data[0] as number];
    };
    const [base, nll] = await loss(BATCH);
    // Labels only at the first two target positions of each row: later decoder inputs cannot matter.
    const early = { ...BATCH, labels: BATCH.labels.map((l, i) => (i % SHAPE.target < 2 ? l : -100)) };
    const [earlyLoss] = await loss(early);
    const laterChanged = { ...early, decoder: early.decoder.map((t, i) => (i % SHAPE.target >= 2 ? (t + 7) % 40 : t)) };
    assert.equal((await loss(laterChanged))[0], earlyLoss, 'a later decoder input changed an earlier prediction: the causal mask leaks');
    const earlierChanged = { ...early, decoder: early.decoder.map((t, i) => (i % SHAPE.target === 1 ? (t + 7) % 40 : t)) };
    assert.notEqual((await loss(earlierChanged))[0], earlyLoss);
    const paddingChanged = { ...BATCH, source: BATCH.source.map((t, i) => (BATCH.mask[i] === 0 ? (t + 13) % 40 : t)) };
    assert.ok(Math.abs((await loss(paddingChanged))[0] - base) < 1e-6, 'source padding changed the loss');
    assert.ok(base > nll * 0.9 && base !== nll, `smoothed ${base} against NLL ${nll}`);
    await session.release();
    // Without smoothing the loss is the NLL itself.
    const plain = await tinyModel(0);
    const out = await plain.session.run(feeds(plain.params, BATCH));
    assert.equal(out.loss.data[0], out.nll.data[0]);
    await plain.session.release();
  });

  it('parses E{enc}-D{dec}-H{width} names and counts parameters and FLOPs', () => {
    const c = parseSeq2SeqName('E3-D2-H256', { vocab_size: 8000, max_len: 128 });
    assert.deepEqual([c.encoder_layers, c.decoder_layers, c.d_model, c.n_heads, c.d_ff], [3, 2, 256, 4, 1024]);
    assert.equal(seq2seqName(c), 'E3-D2-H256');
    const d = 256;
    // Encoder layer: 4 d^2 + 2 d d_ff weights; decoder layer: 8 d^2 + 2 d d_ff; plus biases and norms.
    const expected = 3 * (4 * d * d + 2 * d * 1024 + 4 * d + 1024 + d + 4 * d) + 2 * (8 * d * d + 2 * d * 1024 + 8 * d + 1024 + d + 6 * d) + 4 * 2 * d;
    assert.equal(seq2seqNonEmbeddingParams(c), expected);
    assert.ok(seq2seqForwardFlops(c, { batch: 8, source: 32, target: 32 }) > 2 * 8 * 32 * expected);
    assert.throws(() => parseSeq2SeqName('L4-H256', { vocab_size: 100, max_len: 16 }), /translation model needs a decoder/);
    assert.throws(() => parseSeq2SeqName('E2-D2-H100-A3', { vocab_size: 100, max_len: 16 }), /n_heads 3 must divide d_model 100/);
  });
});
