import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpusBleu } from '../../src/train/bleu.ts';
import { bleuInterval, pairedBleuDifference } from '../../src/train/bleu_interval.ts';
import { Random } from '../../src/util/random.ts';

const WORDS = ['the', 'light', 'was', 'good', 'and', 'God', 'saw', 'earth', 'heaven', 'day'];

/** References of 8-12 words, and hypotheses that keep each word with probability 0.7. */
function corpus(n: number, seed: number): { hyps: string[]; refs: string[] } {
  const rng = new Random(seed);
  const refs = Array.from({ length: n }, () => Array.from({ length: 8 + rng.int(5) }, () => WORDS[rng.int(WORDS.length)]).join(' '));
  const hyps = refs.map((r) => r.split(' ').map((w) => (rng.next() < 0.7 ? w : WORDS[rng.int(WORDS.length)])).join(' '));
  return { hyps, refs };
}

describe('bootstrap interval of corpus BLEU', () => {
  it('holds the corpus score, narrows with more sentences, and is a point for a perfect corpus', () => {
    const small = corpus(40, 1);
    const large = corpus(640, 1);
    const [lo, hi] = bleuInterval(small.hyps, small.refs);
    const score = corpusBleu(small.hyps, [small.refs]).score;
    assert.ok(lo < score && score < hi, `${lo} < ${score} < ${hi}`);
    const [lo2, hi2] = bleuInterval(large.hyps, large.refs);
    assert.ok(hi2 - lo2 < (hi - lo) / 2, `640 sentences: width ${hi2 - lo2}, 40 sentences: ${hi - lo}`);
    assert.deepEqual(bleuInterval(small.refs, small.refs), [100, 100]);
    assert.deepEqual(bleuInterval(small.hyps, small.refs), [lo, hi], 'a fixed seed');
  });
});

describe('paired bootstrap of a BLEU difference', () => {
  it('is zero for identical systems, excludes zero for a clearly better one, and is narrower than the unpaired intervals', () => {
    const { hyps, refs } = corpus(200, 2);
    assert.deepEqual(pairedBleuDifference(hyps, hyps, refs), { difference: 0, interval95: [0, 0] });
    // A slightly better system: the same hypotheses with one more word of each sentence put right.
    const rng = new Random(3);
    const better = hyps.map((h, i) => {
      const [words, truth] = [h.split(' '), refs[i].split(' ')];
      const k = rng.int(Math.min(words.length, truth.length));
      words[k] = truth[k];
      return words.join(' ');
    });
    const d = pairedBleuDifference(better, hyps, refs);
    assert.ok(Math.abs(d.difference - (corpusBleu(better, [refs]).score - corpusBleu(hyps, [refs]).score)) < 1e-9);
    assert.ok(d.interval95[0] > 0 && d.interval95[0] < d.difference && d.difference < d.interval95[1], JSON.stringify(d));
    const [[alo, ahi], [blo, bhi]] = [bleuInterval(better, refs), bleuInterval(hyps, refs)];
    assert.ok(alo < bhi, 'the unpaired intervals overlap: only the paired test separates the systems');
    assert.ok(d.interval95[1] - d.interval95[0] < (ahi - alo + bhi - blo) / 2);
    assert.throws(() => pairedBleuDifference(hyps, hyps.slice(1), refs), /one hypothesis of each system per reference/);
  });
});
