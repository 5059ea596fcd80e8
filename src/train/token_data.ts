/**
 * Tagged sentences as fixed-length token rows for token classification (one label per word):
 * encoding and batching, the counterpart of classifier_data.ts for sequence labelling.
 */
import { ortTensor } from '../runtime/session.ts';
import { BOS, EOS, PAD } from '../tokenizer/tokenizer.ts';
import type { TextTokenizer } from '../tokenizer/tokenizer_json.ts';

/** The label of positions the loss and the scores skip, as in PyTorch's cross-entropy and Hugging Face. */
export const IGNORE_LABEL = -100;

export interface EncodedTokenSplit {
  ids: BigInt64Array;
  mask: BigInt64Array;
  /** (count * seq) labels, IGNORE_LABEL where a position has none. */
  labels: Int32Array;
  count: number;
  /** Labelled positions: the words that fit in their rows. */
  words: number;
}

/**
 * One sentence's row: <s> words </s>, each word's label on its first subword. A word after the
 * first is encoded with the space before it, as byte-level BPE sees it in running text. Words that
 * do not fit whole in `seq` are left out, so no word is scored on part of its subwords.
 */
function taggedRow(tok: TextTokenizer, words: readonly string[], tags: readonly number[], seq: number): { ids: number[]; labels: number[] } {
  const ids = [BOS];
  const labels = [IGNORE_LABEL];
  for (let i = 0; i < words.length; i++) {
    const pieces = tok.encode(i === 0 ? words[i] : ` ${words[i]}`);
    if (ids.length + pieces.length + 1 > seq) break;
    // A word encoded as nothing (WordPiece drops control characters) has no position for its label.
    pieces.forEach((id, j) => {
      ids.push(id);
      labels.push(j === 0 ? tags[i] : IGNORE_LABEL);
    });
  }
  ids.push(EOS);
  labels.push(IGNORE_LABEL);
  return { ids, labels };
}

/** Tagged sentences (words with tag indices) as rows of `seq` tokens padded with <pad>. */
export function encodeTagged(tok: TextTokenizer, sentences: readonly { words: string[]; tags: number[] }[], seq: number): EncodedTokenSplit {
  if (seq < 3) throw new Error(`token rows need room for <s>, a word and </s>: seq ${seq} is too short`);
  const ids = new BigInt64Array(sentences.length * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(sentences.length * seq);
  const labels = new Int32Array(sentences.length * seq).fill(IGNORE_LABEL);
  let words = 0;
  sentences.forEach((s, i) => {
    if (s.words.length !== s.tags.length) throw new Error(`sentence ${i} has ${s.words.length} words but ${s.tags.length} tags`);
    const row = taggedRow(tok, s.words, s.tags, seq);
    row.ids.forEach((t, j) => {
      ids[i * seq + j] = BigInt(t);
      mask[i * seq + j] = 1n;
    });
    labels.set(row.labels, i * seq);
    words += row.labels.filter((l) => l !== IGNORE_LABEL).length;
  });
  return { ids, mask, labels, count: sentences.length, words };
}

/** Rows `rows` of a split as a batch; missing rows (the last, partial batch) are padding, labelled IGNORE_LABEL throughout. */
export function tokenBatchOf(split: EncodedTokenSplit, rows: ArrayLike<number>, batch: number, seq: number) {
  if (rows.length > batch) throw new Error(`${rows.length} rows do not fit in a batch of ${batch}`);
  const ids = new BigInt64Array(batch * seq).fill(BigInt(PAD));
  const mask = new BigInt64Array(batch * seq);
  const labels = new BigInt64Array(batch * seq).fill(BigInt(IGNORE_LABEL));
  for (let b = 0; b < rows.length; b++) {
    const r = rows[b];
    ids.set(split.ids.subarray(r * seq, (r + 1) * seq), b * seq);
    mask.set(split.mask.subarray(r * seq, (r + 1) * seq), b * seq);
    for (let j = 0; j < seq; j++) labels[b * seq + j] = BigInt(split.labels[r * seq + j]);
  }
  // Every row attends to at least one position, so a padding row's softmax stays defined.
  for (let b = 0; b < batch; b++) mask[b * seq] = 1n;
  return {
    input_ids: ortTensor('int64', ids, [batch, seq]),
    attention_mask: ortTensor('int64', mask, [batch, seq]),
    labels: ortTensor('int64', labels, [batch, seq]),
  };
}
