/** Strings that trip tokenizers up, for comparing tltc's tokenizers with transformers.js. */

/** Text without special tokens: empty, whitespace runs, accents, CJK, emoji, digits, invisible characters. */
export const TRICKY_TEXT = [
  '',
  ' ',
  'Call me Ishmael.',
  '  two leading spaces, and   runs   inside  ',
  'tabs\tand\nnew\n\nlines\r\n',
  'émigré naïve café Ångström',
  '日本語のテキストと中文',
  'emoji 😀👍🏽 and a family 👨‍👩‍👧 flag 🇳🇿',
  "don't you'll we've I'M -- (whale)! [sic]",
  'numbers 12345 3.14159 1,000,000',
  '\u00a0non-breaking\u00a0space',
  'zero\u200bwidth joiner\u200d and combining e\u0301, control\u0007bell',
];

/** The same kinds of string around special tokens written in the text, for a tokenizer's `mask` and other specials. */
export function trickyWithSpecials(mask: string, others: readonly string[]): string[] {
  return [`Call me ${mask}.`, `a${mask}b and  ${mask}  twice${mask}`, `x ${others.join(' y ')} z`, `\u00a0non-breaking\u00a0space ${mask}`];
}
