import type { Command } from 'commander';
import { openTranslator, readSentences } from '../pipeline/translate.ts';
import { createProgress } from '../util/progress.ts';
import { positiveInt, positiveNumber } from './errors.ts';

interface TranslateFlags {
  checkpoint: string;
  text?: string[];
  input?: string;
  batch: number;
  beam: number;
  lengthPenalty: number;
  threads?: number;
  quiet?: boolean;
}

/** The sentences the flags name: --text (repeatable) or --input FILE, never an empty one. */
function sentencesOf(flags: TranslateFlags): string[] {
  if ((flags.text === undefined) === (flags.input === undefined)) throw new Error('pass --text "..." (one or more) or --input FILE (one sentence per line)');
  if (flags.input) return readSentences(flags.input);
  const empty = flags.text!.findIndex((t) => t.trim() === '');
  if (empty >= 0) throw new Error(`--text number ${empty + 1} is empty: give the sentence to translate`);
  return flags.text!;
}

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('translate sentences with a translation checkpoint (tltc train --task translate-en-es); prints one translation per line')
    .requiredOption('--checkpoint <dir>', 'checkpoint folder or run folder of a translation model')
    .option('--text <sentence...>', 'sentences to translate')
    .option('--input <file>', 'a text file, one sentence per line')
    .option('--beam <n>', 'beam size (1: greedy)', positiveInt('--beam'), 1)
    .option('--length-penalty <x>', 'beam search: a finished translation scores log-probability / length^x', positiveNumber('--length-penalty'), 1)
    .option('--batch <n>', 'sentences decoded together', positiveInt('--batch'), 16)
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--quiet', 'no progress bar')
    .action(async (flags: TranslateFlags) => {
      const sentences = sentencesOf(flags);
      const translator = await openTranslator(flags.checkpoint, { threads: flags.threads, batch: flags.batch, beam: flags.beam, lengthPenalty: flags.lengthPenalty });
      const bar = createProgress('translate', sentences.length, { quiet: flags.quiet || sentences.length <= flags.batch });
      try {
        for (let i = 0; i < sentences.length; i += flags.batch) {
          const out = await translator.translate(sentences.slice(i, i + flags.batch));
          bar.update(Math.min(sentences.length, i + flags.batch));
          // One line per sentence: a line break the model emits inside a translation becomes a space.
          process.stdout.write(out.map((t) => `${t.replace(/\r?\n/g, ' ')}\n`).join(''));
        }
      } finally {
        bar.stop();
        await translator.release();
      }
    });
}
