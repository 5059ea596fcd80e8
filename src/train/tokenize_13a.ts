/**
 * sacreBLEU's default `13a` tokenizer: the language-independent rules of mteval-v13a.pl that WMT
 * scores with, so BLEU computed here is comparable with published sacreBLEU numbers.
 *
 *   tokenize13a('It costs $3,000.50, right?')  // 'It costs $ 3,000.50 , right ?'
 */

/**
 * Python's `str.split()` separators (`str.isspace`). JavaScript's `\s` differs: it lacks the
 * information separators U+001C..U+001F and NEL U+0085, and adds U+FEFF. Matching Python keeps
 * token counts, and so BLEU's lengths, identical to sacreBLEU's on odd input.
 */
const PY_WHITESPACE = new Set(
  [[0x09, 0x0d], [0x1c, 0x20], [0x85, 0x85], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a], [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000]]
    .flatMap(([first, last]) => Array.from({ length: last - first + 1 }, (_, i) => String.fromCharCode(first + i))),
);

/** `line.split()` as Python does it: runs of whitespace separate, no empty tokens at either end. */
export function splitWhitespace(line: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i <= line.length; i++) {
    if (i < line.length && !PY_WHITESPACE.has(line[i])) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      tokens.push(line.slice(start, i));
      start = -1;
    }
  }
  return tokens;
}

/** Python's `str.rstrip()` with no argument: the same whitespace set as `splitWhitespace`. */
export function rstripWhitespace(line: string): string {
  let end = line.length;
  while (end > 0 && PY_WHITESPACE.has(line[end - 1])) end--;
  return line.slice(0, end);
}

/**
 * Characters that always become tokens of their own (all ASCII, listed by code point):
 * 0x20-0x26 space ! " # $ % &, 0x28-0x2b ( ) * +, 0x2f /, 0x3a-0x40 : ; < = > ? @,
 * 0x5b-0x60 [ \ ] ^ _ `, 0x7b-0x7e { | } ~. The apostrophe, comma, hyphen and period are
 * absent on purpose: "wasn't" stays a word, and the rules below treat , . - next to digits.
 */
const ALWAYS_SPLIT = /([\x20-\x26\x28-\x2b\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])/gu;

/** Rules applied in order, each a single left-to-right pass (as Python's re.sub), on the padded line. */
const RULES: [RegExp, string][] = [
  [ALWAYS_SPLIT, ' $1 '],
  // A period or comma splits off unless a digit precedes it ...
  [/([^0-9])([.,])/gu, '$1 $2 '],
  // ... or unless a digit follows it: "3,000.50" survives both passes.
  [/([.,])([^0-9])/gu, ' $1 $2'],
  // A dash after a digit is a range or minus sign, not a hyphenated word: "3-4" -> "3 - 4".
  [/([0-9])(-)/gu, '$1 $2 '],
];

/**
 * The replacements mteval-v13a makes before tokenizing: drop the `<skipped>` marker, join words
 * hyphenated across a line break, turn other line breaks into spaces, and undo the four SGML
 * escapes. The escapes are undone one after another, `&amp;` before `&lt;`, so `&amp;lt;` ends
 * up as `<`, as in sacreBLEU.
 */
function normalize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  return s;
}

/** Tokenizes one segment with sacreBLEU's `13a` rules; tokens come back separated by single spaces. */
export function tokenize13a(line: string): string {
  // The padding lets the period/comma rules see a non-digit at both ends of the line.
  let s = ` ${normalize13a(line)} `;
  for (const [pattern, replacement] of RULES) s = s.replace(pattern, replacement);
  return splitWhitespace(s).join(' ');
}
