/**
 * The baselines every classifier is reported against: the majority class of the training split,
 * and a bag of words (TF-IDF of lower-cased words, multinomial logistic regression) trained on
 * the same split. Written here because no maintained Node library fits sparse logistic
 * regression; a few dozen lines of SGD do, in well under a second on these tasks.
 */
import type { Example } from '../data/tasks.ts';
import { Random } from '../util/random.ts';
import { scorePredictions, type SplitScores } from './classifier_scores.ts';

const WORD = /[a-z0-9]+(?:'[a-z]+)?/g;
const words = (text: string) => text.toLowerCase().match(WORD) ?? [];

interface SparseRow {
  index: Int32Array;
  value: Float32Array;
}

/** Sublinear TF-IDF over the words in at least two training documents (the most frequent `maxFeatures`), each row L2-normalized. */
class TfIdf {
  private constructor(
    private readonly vocab: Map<string, number>,
    private readonly idf: Float64Array,
  ) {}

  static fit(texts: readonly string[], maxFeatures: number): TfIdf {
    const df = new Map<string, number>();
    for (const t of texts) for (const w of new Set(words(t))) df.set(w, (df.get(w) ?? 0) + 1);
    const kept = [...df].filter(([, n]) => n >= 2).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxFeatures);
    const vocab = new Map(kept.map(([w], i) => [w, i]));
    const idf = Float64Array.from(kept, ([, n]) => Math.log((1 + texts.length) / (1 + n)) + 1);
    return new TfIdf(vocab, idf);
  }

  get size(): number {
    return this.vocab.size;
  }

  row(text: string): SparseRow {
    const tf = new Map<number, number>();
    for (const w of words(text)) {
      const i = this.vocab.get(w);
      if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
    }
    const index = Int32Array.from(tf.keys());
    const value = Float32Array.from(index, (i) => (1 + Math.log(tf.get(i)!)) * this.idf[i]);
    const norm = Math.hypot(...value) || 1;
    return { index, value: value.map((v) => v / norm) };
  }
}

/** Class scores of one row: W x + b, with W (classes, features) and the biases after it. */
function scores(w: Float64Array, x: SparseRow, classes: number, features: number): Float64Array {
  const z = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let s = w[classes * features + c];
    for (let k = 0; k < x.index.length; k++) s += w[c * features + x.index[k]] * x.value[k];
    z[c] = s;
  }
  return z;
}

/** Softmax regression by SGD with AdaGrad steps and L2 decay on the weights touched. */
function fitLogistic(rows: SparseRow[], labels: number[], classes: number, features: number, epochs = 10, lr = 0.5, l2 = 1e-5): Float64Array {
  const w = new Float64Array((features + 1) * classes);
  const g2 = new Float64Array(w.length).fill(1e-8);
  const rng = new Random(3);
  const step = (i: number, grad: number) => {
    g2[i] += grad * grad;
    w[i] -= (lr * grad) / Math.sqrt(g2[i]);
  };
  const order = rows.map((_, i) => i);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const r of order) {
      const z = scores(w, rows[r], classes, features);
      const max = Math.max(...z);
      const p = z.map((v) => Math.exp(v - max));
      const total = p.reduce((a, b) => a + b, 0);
      for (let c = 0; c < classes; c++) {
        const d = p[c] / total - (c === labels[r] ? 1 : 0);
        step(classes * features + c, d);
        const x = rows[r];
        for (let k = 0; k < x.index.length; k++) step(c * features + x.index[k], d * x.value[k] + l2 * w[c * features + x.index[k]]);
      }
    }
  }
  return w;
}

/** Predicting the training split's most frequent class for every example. */
function majorityClass(train: readonly Example[], classes: number): number {
  const counts = new Int32Array(classes);
  for (const e of train) counts[e.label]++;
  return counts.indexOf(Math.max(...counts));
}

/** An example's words: a pair's two texts together (one bag for both, the simplest pair baseline). */
const wordsOf = (e: Example) => (e.pair === undefined ? e.text : `${e.text} ${e.pair}`);

/** TF-IDF + logistic regression trained on `train`: a function predicting classes of other examples. */
function fitBagOfWords(train: readonly Example[], classes: number, maxFeatures = 20000): (examples: readonly Example[]) => Int32Array {
  const tfidf = TfIdf.fit(train.map(wordsOf), maxFeatures);
  const w = fitLogistic(train.map((e) => tfidf.row(wordsOf(e))), train.map((e) => e.label), classes, tfidf.size);
  return (examples) =>
    Int32Array.from(examples, (e) => {
      const z = scores(w, tfidf.row(wordsOf(e)), classes, tfidf.size);
      return z.indexOf(Math.max(...z));
    });
}

export interface Baselines {
  majority: SplitScores;
  bag_of_words: SplitScores;
}

/** Both baselines, trained on `train`, scored on each split. */
export function baselines<K extends string>(train: readonly Example[], splits: Record<K, readonly Example[]>, classes: number): Record<K, Baselines> {
  const majority = majorityClass(train, classes);
  const bow = fitBagOfWords(train, classes);
  const out = {} as Record<K, Baselines>;
  for (const [name, examples] of Object.entries(splits) as [K, readonly Example[]][]) {
    const gold = examples.map((e) => e.label);
    out[name] = { majority: scorePredictions(new Int32Array(examples.length).fill(majority), gold, classes), bag_of_words: scorePredictions(bow(examples), gold, classes) };
  }
  return out;
}

/**
 * A linear probe: softmax regression on fixed dense features (sentence embeddings, each row
 * L2-normalized here), trained on `train` and returning the classes it predicts for `test`.
 */
export function linearProbe(train: Float32Array, labels: ArrayLike<number>, test: Float32Array, dim: number, classes: number): Int32Array {
  const index = Int32Array.from({ length: dim }, (_, i) => i);
  const rows = (x: Float32Array): SparseRow[] =>
    Array.from({ length: x.length / dim }, (_, r) => {
      const value = x.slice(r * dim, (r + 1) * dim);
      const norm = Math.sqrt(value.reduce((s, v) => s + v * v, 0)) || 1;
      return { index, value: value.map((v) => v / norm) };
    });
  const w = fitLogistic(rows(train), Array.from(labels), classes, dim);
  return Int32Array.from(rows(test), (x) => {
    const z = scores(w, x, classes, dim);
    return z.indexOf(Math.max(...z));
  });
}
