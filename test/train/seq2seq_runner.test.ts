import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PairBatcher, pairBatch, sourceIds, DECODER_START, type EncodedPairs } from '../../src/data/translation_batches.ts';
import { initParams } from '../../src/nn/params.ts';
import { validateSeq2SeqConfig } from '../../src/nn/seq2seq_config.ts';
import { seq2seqParamSpecs } from '../../src/nn/seq2seq_params.ts';
import { Seq2SeqDecoder } from '../../src/train/seq2seq_decode.ts';
import { Seq2SeqRunner } from '../../src/train/seq2seq_runner.ts';
import { BOS, EOS, PAD } from '../../src/tokenizer/tokenizer.ts';
import { Random } from '../../src/util/random.ts';

/** A task only attention over the source solves: the target is the source reversed. */
function reversalPairs(n: number, seed: number): EncodedPairs {
  const rng = new Random(seed);
  const source = Array.from({ length: n }, () => Uint16Array.from({ length: 3 + rng.int(4) }, () => 5 + rng.int(20)));
  return { source, target: source.map((s) => s.slice().reverse()) };
}

describe('encoder-decoder training', () => {
  it('lays out a pair batch: <s> x </s> on the source, the start token then y on the decoder, y </s> as labels', () => {
    const pairs = { source: [Uint16Array.from([7, 8])], target: [Uint16Array.from([9, 10, 11])] };
    const b = pairBatch(pairs, [0], { batch: 2, source: 5, target: 5 });
    assert.deepEqual(Array.from(b.inputIds, Number), [BOS, 7, 8, EOS, PAD, PAD, PAD, PAD, PAD, PAD]);
    assert.deepEqual(Array.from(b.attentionMask, Number), [1, 1, 1, 1, 0, 1, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(b.decoderIds, Number).slice(0, 5), [DECODER_START, 9, 10, 11, PAD]);
    assert.deepEqual(Array.from(b.labels, Number), [9, 10, 11, EOS, -100, -100, -100, -100, -100, -100]);
    assert.equal(b.targetTokens, 4);
    // Too long: the source keeps its end token, the target is cut to fit the start token.
    const cut = pairBatch({ source: [Uint16Array.from([5, 6, 7, 8, 9])], target: [Uint16Array.from([5, 6, 7, 8, 9])] }, [0], { batch: 1, source: 4, target: 3 });
    assert.deepEqual(Array.from(cut.inputIds, Number), [BOS, 5, 6, EOS]);
    assert.deepEqual(Array.from(cut.labels, Number), [5, 6, EOS]);
  });

  it('batch k is a pure function of the seed and k, and every pair appears once per epoch', () => {
    const pairs = reversalPairs(40, 1);
    const shape = { batch: 8, source: 10, target: 10 };
    const a = new PairBatcher(pairs, shape, 3);
    const b = new PairBatcher(pairs, shape, 3);
    assert.deepEqual(a.batch(7), b.batch(7));
    assert.deepEqual(b.batch(2), new PairBatcher(pairs, shape, 3).batch(2), 'out of order, the same batch');
    assert.notDeepEqual(a.batch(0).inputIds, new PairBatcher(pairs, shape, 4).batch(0).inputIds);
    const firstTokens = new Set<string>();
    for (let k = 0; k < 5; k++) for (let r = 0; r < 8; r++) firstTokens.add(Array.from(a.batch(k).inputIds.subarray(r * 10, r * 10 + 10)).join(','));
    assert.equal(firstTokens.size, new Set(pairs.source.map((s) => s.join(','))).size, 'one epoch covers every distinct pair');
  });

  it('learns to reverse sequences: held-out cross-entropy falls far below the uniform guess', async () => {
    const c = validateSeq2SeqConfig({ vocab_size: 32, max_len: 12, d_model: 32, encoder_layers: 1, decoder_layers: 1, n_heads: 2, d_ff: 64, dropout: 0, label_smoothing: 0 }, 'test');
    const shape = { batch: 16, source: 10, target: 8 };
    const opt = { lr: 3e-3, betas: [0.9, 0.98] as [number, number], eps: 1e-8, weight_decay: 0.01, clip_norm: 1, warmup_steps: 20, schedule: 'constant' as const, min_lr_ratio: 1 };
    const runner = await Seq2SeqRunner.create(c, shape, opt, initParams(seq2seqParamSpecs(c), { init_std: c.init_std } as never, 0), null, { threads: 1 });
    const batcher = new PairBatcher(reversalPairs(400, 2), shape, 0);
    const held = reversalPairs(48, 99);
    const val = [0, 1, 2].map((k) => pairBatch(held, [...Array(16).keys()].map((i) => k * 16 + i), shape));
    const before = await runner.evaluate(val);
    for (let step = 1; step <= 600; step++) await runner.step(batcher.batch(step - 1), step, step / 600);
    const after = await runner.evaluate(val);
    assert.ok(Math.abs(before - Math.log(32)) < 0.5, `starts near the uniform guess: ${before}`);
    assert.ok(after < 0.5, `after 600 steps the held-out cross-entropy is ${after} nats per token`);

    // The inference graphs compute what the training graph does: the same cross-entropy, teacher-forced.
    const decoder = await Seq2SeqDecoder.create(c, () => runner.params, 1);
    const rows = [...Array(16).keys()];
    const memory = await decoder.encodeSources(rows.map((r) => sourceIds(held.source[r], shape.source)));
    const targets = rows.map((r) => [DECODER_START, ...held.target[r]]);
    const t = Math.max(...targets.map((x) => x.length));
    const logits = await decoder.logits(memory, targets.map((x) => [...x, ...Array(t - x.length).fill(PAD)]));
    let [nll, count] = [0, 0];
    rows.forEach((r) => {
      const labels = [...held.target[r], EOS];
      labels.forEach((label, i) => {
        const at = (r * t + i) * 32;
        const row = Array.from(logits.subarray(at, at + 32));
        const max = Math.max(...row);
        nll += Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max - row[label];
        count++;
      });
    });
    const trained = await runner.evaluate([val[0]]);
    assert.ok(Math.abs(nll / count - trained) < 1e-4, `decoder graph ${nll / count} against training graph ${trained}`);

    // Greedy decoding reverses most held-out sequences exactly.
    const sources = held.source.map((s) => sourceIds(s, shape.source));
    const out = await decoder.greedy(sources, { maxTokens: 10, start: DECODER_START });
    const exact = out.filter((y, i) => y.join(',') === Array.from(held.target[i]).join(',')).length;
    assert.ok(exact >= 0.8 * held.source.length, `${exact} of ${held.source.length} reversed exactly`);

    // The key/value cache decodes as the whole-prefix decoder graph does: greedy by hand on it agrees.
    const reference = sources.slice(0, 8).map(() => [DECODER_START]);
    const prefixMemory = await decoder.encodeSources(sources.slice(0, 8));
    for (let t = 1; t <= 10; t++) {
      const l = await decoder.logits(prefixMemory, reference);
      reference.forEach((row) => {
        const at = (reference.indexOf(row) * t + t - 1) * 32;
        const next = l.subarray(at, at + 32).reduce((best, x, i, a) => (x > a[best] ? i : best), 0);
        row.push(row.indexOf(EOS, 1) > 0 ? EOS : next); // the start token is the end token too
      });
    }
    assert.deepEqual(out.slice(0, 8), reference.map((row) => row.slice(1, row.indexOf(EOS, 1) < 0 ? undefined : row.indexOf(EOS, 1))));
    // Beam search finds translations at least as good for the model: beam 4 reverses as many exactly.
    const beamed = await decoder.translate(sources, { maxTokens: 10, start: DECODER_START, beam: 4 });
    const beamExact = beamed.filter((y, i) => y.join(',') === Array.from(held.target[i]).join(',')).length;
    assert.ok(beamExact >= exact - 1, `beam 4: ${beamExact} exact, greedy ${exact}`);
    await decoder.release();
    await runner.release();
  });
});
