/**
 * RV1909 prints the first words of a chapter in capitals ("EN el principio", "Y ACONTECIÓ"), a
 * typesetting convention the other side of a pair does not share, so no model could learn it from
 * the source. A verse-initial run of words in capitals takes each word's usual casing: the form it
 * most often has inside a sentence elsewhere in the same text ("Jehová", "aconteció"; "LORD"
 * stays "LORD" in the KJV, which prints it so everywhere), lower case if it never appears there,
 * and the verse's first letter is a capital.
 */
const WORD = /\p{L}+/gu;
const allCaps = (w: string) => w.length > 0 && w === w.toUpperCase() && w !== w.toLowerCase();

/** The words of a text's verse-initial run of capitals; a one-letter word ("Y", "A") belongs to it only when more capitals follow. */
function openingRun(text: string): RegExpMatchArray[] {
  const words = [...text.matchAll(WORD)];
  const run: RegExpMatchArray[] = [];
  for (const [i, m] of words.entries()) {
    if (!allCaps(m[0]) || (m[0].length === 1 && !allCaps(words[i + 1]?.[0] ?? ''))) break;
    run.push(m);
  }
  return run;
}

/** Each word's most frequent form where it does not open a verse, follow . ! ? or :, or sit in an opening run, by its lower-case key. */
function usualForms(texts: readonly string[]): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const text of texts) {
    const skip = openingRun(text).length;
    for (const [i, m] of [...text.matchAll(WORD)].entries()) {
      const before = text.slice(0, m.index).trimEnd();
      if (i < skip || before === '' || /[.!?:]$/.test(before)) continue;
      const key = m[0].toLowerCase();
      const forms = counts.get(key) ?? new Map<string, number>();
      forms.set(m[0], (forms.get(m[0]) ?? 0) + 1);
      counts.set(key, forms);
    }
  }
  return new Map([...counts].map(([key, forms]) => [key, [...forms].reduce((a, b) => (b[1] > a[1] ? b : a))[0]]));
}

/** `texts` with their verse-initial runs of capitals in usual casing (see above). */
export function truecaseOpenings(texts: readonly string[]): string[] {
  const usual = usualForms(texts);
  return texts.map((text) => {
    const run = openingRun(text);
    if (run.length === 0) return text;
    let out = text;
    for (const m of run) out = out.slice(0, m.index) + (usual.get(m[0].toLowerCase()) ?? m[0].toLowerCase()) + out.slice(m.index! + m[0].length);
    return out.replace(/\p{L}/u, (c) => c.toUpperCase());
  });
}
