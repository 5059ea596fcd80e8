/** NLTK, an implementation of BLEU and chrF independent of tltc's, for reference checks on random text. */
import { spawnSync } from 'node:child_process';

/** Debian's /usr/bin/python3 first (where python3-nltk installs), then python3 on PATH, if either imports nltk. */
export const nltkPython = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import nltk'], { stdio: 'ignore' }).status === 0);

/** node:test's skip option, with a visible reason when NLTK is absent. */
export const nltkSkip: string | false = nltkPython ? false : 'NLTK is not installed (apt-get install python3-nltk)';

/**
 * Runs `script` (Python reading JSON `data` from stdin, printing JSON) and returns what it prints.
 * NLTK's warnings about orders without a match go to stderr and are silenced.
 */
export function runNltk<T>(script: string, input: unknown): T {
  const code = `import json, sys, warnings\nwarnings.simplefilter('ignore')\ndata = json.load(sys.stdin)\n${script}`;
  const r = spawnSync(nltkPython ?? 'python3', ['-c', code], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`NLTK reference failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as T;
}
