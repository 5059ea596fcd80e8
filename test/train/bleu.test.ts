import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bleuFromStatistics, closestRefLength, corpusBleu, formatBleu, type BleuOptions } from '../../src/train/bleu.ts';
import { splitWhitespace, tokenize13a } from '../../src/train/tokenize_13a.ts';
import { nltkSkip, runNltk } from '../helpers/nltk.ts';
import { seededRandom } from '../helpers/rng.ts';
import { close, HYPS, REFS } from '../helpers/sacrebleu_example.ts';

// sacreBLEU's `raw_corpus_bleu`: no tokenization, floor smoothing (0.01 in its tests), effective order.
const RAW: BleuOptions = { tokenize: 'none', smooth: 'floor', smoothValue: 0.01, effectiveOrder: true };

describe('13a tokenizer', () => {
  it('splits punctuation and symbols but keeps numbers, apostrophes and hyphenated words whole', () => {
    // Worked by hand from the mteval-v13a rules (sacreBLEU's tokenizer_13a.py, tokenizer_re.py).
    assert.equal(tokenize13a('It costs $3,000.50, right?'), 'It costs $ 3,000.50 , right ?');
    assert.equal(tokenize13a('Hello, world! (See: 3-4 pages.)'), 'Hello , world ! ( See : 3 - 4 pages . )');
    assert.equal(tokenize13a("It wasn't e-mail at 5."), "It wasn't e-mail at 5 .");
    assert.equal(tokenize13a('a.b x,y 1. .5'), 'a . b x , y 1 . . 5');
  });

  it('first drops <skipped>, joins hyphen-newline, unescapes &quot; &amp; &lt; &gt; in that order', () => {
    assert.equal(tokenize13a('well-\nknown <skipped>line\nbreak'), 'wellknown line break');
    assert.equal(tokenize13a('AT&amp;T &lt;b&gt; &quot;hi&quot; &amp;lt;'), 'AT & T < b > " hi " <');
  });

  it("splits on Python's whitespace, not JavaScript's", () => {
    assert.deepEqual(splitWhitespace(' a\u001cb\u0085c\u3000d\ufeffe '), ['a', 'b', 'c', 'd\ufeffe']);
    assert.equal(tokenize13a('  '), '');
  });
});

describe('corpus BLEU: sacreBLEU published cases', () => {
  it("reproduces the README's score line, with the signature fields", () => {
    // mjpost/sacrebleu README.md: `BLEU().corpus_score(sys, refs)` and `get_signature()`.
    const s = corpusBleu(HYPS, REFS);
    assert.equal(formatBleu(s), 'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)');
    assert.equal(formatBleu(s, { signature: true }).split(' = ')[0], 'BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp');
    // README "Variable Number of References": the first reference of line 1 is empty.
    const variable = [['', ...REFS[0].slice(1)], REFS[1]];
    assert.equal(formatBleu(corpusBleu(HYPS, variable)), 'BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)');
  });

  it('test_bleu.py test_corpus_bleu_cases: default, empty hypotheses, tokenize none and 13a, smooth none', () => {
    const cases: [string[], BleuOptions, number][] = [
      [HYPS, {}, 48.530827],
      [['', '', ''], {}, 0],
      [HYPS, { tokenize: 'none' }, 49.1919566],
      [HYPS, { tokenize: '13a' }, 48.530827],
      [HYPS, { smooth: 'none' }, 48.530827],
    ];
    for (const [hyps, options, expected] of cases) close(corpusBleu(hyps, REFS, options).score, expected, 1e-8, JSON.stringify(options));
  });

  it('test_bleu.py raw, effective-order, statistics and offset cases (floor smoothing, no tokenization)', () => {
    const raw: [string[], string[][], number][] = [
      [['this is a test', 'another test'], [['ref1', 'ref2']], 0],
      [['this is a test'], [['this is a test']], 1],
      [['this is a fest'], [['this is a test']], 0.223606797749979],
      [['test'], [['a test']], 0.3678794411714425],
      [['a test'], [['a test']], 1],
      [['a little test'], [['a test']], 0.03218297948685433],
    ];
    for (const [hyps, refs, expected] of raw) close(corpusBleu(hyps, refs, RAW).score / 100, expected, 1e-8, hyps.join('|'));
    const [hyp, ref] = [['am I am a character sequence'], [['I am a symbol string sequence a a']]];
    const stats = corpusBleu(hyp, ref, RAW);
    assert.deepEqual([stats.counts, stats.totals], [[4, 2, 1, 0], [6, 5, 4, 3]]);
    close(corpusBleu(hyp, ref, { ...RAW, smoothValue: undefined }).score / 100, 0.1555722182, 1e-8, 'offset 0.1 (default)');
    assert.equal(corpusBleu(hyp, ref, { ...RAW, smoothValue: 0 }).score, 0);
  });

  it('test_bleu.py test_scoring and test_degenerate_statistics, from statistics', () => {
    const s = bleuFromStatistics({ counts: [9, 7, 5, 3], totals: [10, 8, 6, 4], hyp_len: 11, ref_len: 11 }, { smooth: 'none' });
    close(s.score / 100, 0.8375922397, 1e-8, 'test_scoring');
    const degenerate: [number[], number[], number, number, number][] = [
      [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0],
      [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0],
      [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0],
      [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0],
      [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
      [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
    ];
    for (const [counts, totals, hyp_len, ref_len, k] of degenerate) {
      assert.equal(bleuFromStatistics({ counts, totals, hyp_len, ref_len }, { smooth: 'floor', smoothValue: k }).score, 0);
    }
  });

  it('test_bleu.py test_max_ngram_order: orders 1 to 6', () => {
    const expected = ['77.65', '60.50', '53.93', '48.53', '46.14', '43.28'];
    expected.forEach((e, i) => assert.equal(corpusBleu(HYPS, REFS, { maxOrder: i + 1 }).score.toFixed(2), e, `order ${i + 1}`));
  });

  it('test_sentence_bleu.py: each smoothing method and value on one sentence, effective order', () => {
    const [sys, ref] = ['Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;', 'producţia de zahăr brut se exprimă în zahăr alb;'];
    const cases: [BleuOptions, number][] = [
      [{ smooth: 'exp' }, 8.493],
      [{ smooth: 'none' }, 0],
      [{ smooth: 'floor' }, 4.51688],
      [{ smooth: 'floor', smoothValue: 0.1 }, 4.51688],
      [{ smooth: 'floor', smoothValue: 0.5 }, 10.1],
      [{ smooth: 'add-k' }, 14.882],
      [{ smooth: 'add-k', smoothValue: 1 }, 14.882],
      [{ smooth: 'add-k', smoothValue: 2 }, 21.389],
      [{ smooth: 'exp', tokenize: 'none' }, 7.347],
    ];
    for (const [options, expected] of cases) close(corpusBleu([sys], [[ref]], { ...options, effectiveOrder: true }).score, expected, 1e-3, JSON.stringify(options));
    for (const smooth of ['exp', 'none', 'floor', 'add-k'] as const) {
      assert.equal(corpusBleu(['this is a cat'], [['okay thanks']], { smooth, effectiveOrder: true }).score, 0, `no match, ${smooth}`);
    }
  });
});

describe('corpus BLEU: definitions and edge cases', () => {
  it('takes the closest reference length, the shorter on ties, summed per segment', () => {
    assert.equal(closestRefLength(3, [4, 2]), 2);
    assert.equal(closestRefLength(3, [2, 4]), 2);
    assert.equal(closestRefLength(5, [9, 6, 4]), 4);
    const s = corpusBleu(['a b c', 'a b c d e'], [['a b c d', 'a b c d e f g h i'], ['a b', 'a b c d']], { tokenize: 'none' });
    assert.deepEqual([s.hyp_len, s.ref_len], [8, 2 + 4]);
  });

  it('clips each n-gram by the most any single reference holds', () => {
    const s = corpusBleu(['the the the the'], [['the cat'], ['the the cat']], { tokenize: 'none', smooth: 'none' });
    assert.deepEqual([s.counts, s.totals], [[2, 1, 0, 0], [4, 3, 2, 1]]);
  });

  it('scores a perfect match 100, lowercasing when asked', () => {
    const perfect = corpusBleu(HYPS, [HYPS]);
    assert.equal(perfect.score, 100);
    assert.deepEqual([perfect.precisions, perfect.bp, perfect.ratio], [[100, 100, 100, 100], 1, 1]);
    assert.ok(corpusBleu(['The Dog Bit The Man'], [['the dog bit the man']]).score < 100);
    assert.equal(corpusBleu(['The Dog Bit The Man'], [['the dog bit the man']], { lowercase: true }).score, 100);
  });

  it('scores an empty corpus 0 and counts an empty line towards the reference length only', () => {
    const empty = corpusBleu([], [[]]);
    assert.deepEqual([empty.score, empty.hyp_len, empty.ref_len, empty.bp, empty.ratio], [0, 0, 0, 1, 0]);
    const s = corpusBleu(['a b c d', ''], [['a b c d', 'x y']], { tokenize: 'none' });
    assert.deepEqual([s.hyp_len, s.ref_len, s.precisions], [4, 6, [100, 100, 100, 100]]);
    close(s.score, 100 * Math.exp(1 - 6 / 4), 1e-12, 'brevity penalty alone');
  });

  it('rejects mismatched streams, a missing reference set and unknown options in one line', () => {
    const oneLine = (pattern: RegExp) => (e: unknown) => e instanceof Error && pattern.test(e.message) && !e.message.includes('\n');
    assert.throws(() => corpusBleu(['a', 'b'], [['a', 'b'], ['a']]), oneLine(/^corpusBleu: reference stream 1 has 1 lines but there are 2 hypotheses$/));
    assert.throws(() => corpusBleu(['a'], []), oneLine(/^corpusBleu: references must hold at least one reference stream$/));
    assert.throws(() => corpusBleu(['a'], [['a']], { tokenize: 'intl' as '13a' }), oneLine(/^corpusBleu: tokenize must be '13a' or 'none', got 'intl'$/));
    assert.throws(() => corpusBleu(['a'], [['a']], { maxOrder: 0 }), oneLine(/^corpusBleu: maxOrder must be a positive integer, got 0$/));
  });
});

/** Random pre-tokenized sentences over a five-word vocabulary, references edited from the hypothesis so long n-grams match. */
function randomCorpus(rand: () => number, segments: number, streams: number): { hyps: string[][]; refs: string[][][] } {
  const vocab = ['a', 'b', 'c', 'd', 'e'];
  const word = () => vocab[Math.floor(rand() * vocab.length)];
  const edit = (hyp: string[]) => hyp.flatMap((w) => (rand() < 0.1 ? [] : rand() < 0.15 ? [word()] : rand() < 0.1 ? [w, word()] : [w]));
  const [hyps, refs] = [[] as string[][], [] as string[][][]];
  while (hyps.length < segments) {
    // At least four words: NLTK counts a segment with no n-gram of an order as one n-gram
    // (denominator max(1, count)), sacreBLEU as none; they agree once every order is present.
    const hyp = Array.from({ length: 4 + Math.floor(rand() * 10) }, word);
    const segRefs = Array.from({ length: streams }, () => (rand() < 0.8 ? edit(hyp) : Array.from({ length: Math.floor(rand() * 12) }, word)));
    // Equally close references of different lengths are redrawn: the check compares like with
    // like whichever way an NLTK release breaks that tie (sacreBLEU takes the shorter; the tie
    // rule is tested on its own above).
    const dists = segRefs.map((r) => Math.abs(r.length - hyp.length));
    const best = Math.min(...dists);
    if (new Set(segRefs.filter((_, i) => dists[i] === best).map((r) => r.length)).size > 1) continue;
    hyps.push(hyp);
    refs.push(segRefs);
  }
  return { hyps, refs };
}

describe('corpus BLEU against NLTK', () => {
  it('equals nltk corpus_bleu (no smoothing, pre-tokenized) within 1e-9 on 370 random segments', { skip: nltkSkip }, () => {
    const rand = seededRandom(20261130);
    // Six corpora of 50 segments with 1-4 references, then 70 one-segment corpora, where
    // orders without a match are common (NLTK returns ~1e-77 for those, sacreBLEU exactly 0).
    const corpora = [1, 2, 3, 4, 2, 3].map((k) => randomCorpus(rand, 50, k));
    for (let i = 0; i < 70; i++) corpora.push(randomCorpus(rand, 1, 1 + (i % 3)));
    const expected = runNltk<number[]>(
      'from nltk.translate.bleu_score import corpus_bleu\nprint(json.dumps([corpus_bleu(c["refs"], c["hyps"]) for c in data]))',
      corpora,
    );
    let matched = 0;
    corpora.forEach(({ hyps, refs }, i) => {
      // Our streams are references[r][segment]; NLTK's are references[segment][r].
      const streams = refs[0].map((_, r) => refs.map((segRefs) => segRefs[r].join(' ')));
      const s = corpusBleu(hyps.map((h) => h.join(' ')), streams, { tokenize: 'none', smooth: 'none' });
      close(s.score / 100, expected[i], 1e-9, `corpus ${i}`);
      if (s.counts[3] > 0) matched++;
    });
    assert.ok(matched >= 40, `only ${matched} corpora had a 4-gram match`);
  });
});
