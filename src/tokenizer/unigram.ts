/**
 * The Universal Sentence Encoder's tokenizer: a unigram-LM vocabulary (piece, log-probability)
 * segmented by Viterbi over a lattice of matching pieces, after NFKC and SentencePiece's "▁"
 * for spaces. It reproduces the reference JavaScript implementation's ids exactly, quirks
 * included (its tie-breaking, its backtracking by UTF-16 length, one id per unknown run), because
 * the pretrained weights were trained on exactly those ids.
 */
const SPACE = '\u2581';

export class UnigramTokenizer {
  private readonly pieces = new Map<string, { score: number; index: number }>();
  private readonly maxPieceLength: number;

  /** `vocabulary` as the model ships it: [piece, score] in id order; the first `reserved` ids are special. */
  constructor(
    readonly vocabulary: readonly (readonly [string, number])[],
    readonly reserved = 6,
  ) {
    let longest = 1;
    for (let i = reserved; i < vocabulary.length; i++) {
      const [piece, score] = vocabulary[i];
      this.pieces.set(piece, { score, index: i }); // a repeated piece keeps its last id, as the reference does
      longest = Math.max(longest, [...piece].length);
    }
    this.maxPieceLength = longest;
  }

  get vocabSize(): number {
    return this.vocabulary.length;
  }

  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    const symbols = [...(normalized.length > 0 ? SPACE + normalized.replace(/ /g, SPACE) : normalized)];
    const n = symbols.length;
    // ending[end] lists (start, score, index) of every piece spanning symbols[start..end).
    const ending: { start: number; score: number; index: number }[][] = Array.from({ length: n + 1 }, () => []);
    for (let start = 0; start < n; start++) {
      let found = false;
      let key = '';
      for (let len = 1; len <= Math.min(this.maxPieceLength, n - start); len++) {
        key += symbols[start + len - 1];
        const hit = this.pieces.get(key);
        if (hit) {
          ending[start + len].push({ start, ...hit });
          found = true;
        }
      }
      if (!found) ending[start + 1].push({ start, score: 0, index: 0 }); // an unknown symbol
    }
    const best = new Float64Array(n + 1);
    const word = new Int32Array(n + 1);
    for (let end = 0; end <= n; end++) {
      ending[end].sort((a, b) => a.start - b.start);
      for (const p of ending[end]) {
        const score = p.score + best[p.start];
        // 0 means "unset" here, and a tie goes to the later (shorter) piece, as in the reference.
        if (best[end] === 0 || score >= best[end]) {
          best[end] = score;
          word[end] = p.index;
        }
      }
    }
    const ids: number[] = [];
    for (let at = n; at > 0; at -= this.vocabulary[word[at]][0].length) ids.push(word[at]);
    ids.reverse();
    return ids.filter((id, i) => !(id === 0 && ids[i - 1] === 0)); // one id per run of unknowns
  }
}
