import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { classifyAll, openClassifier, type PredictInput } from '../pipeline/predict.ts';
import { estimateRows, readPredictInputs } from '../pipeline/predict_inputs.ts';
import { createProgress } from '../util/progress.ts';
import { positiveInt } from './errors.ts';
import { exitCriteria, withExitFlags, type ExitFlags } from './exit_flags.ts';

interface PredictFlags extends ExitFlags {
  checkpoint?: string;
  onnx?: string;
  text?: string[];
  textPair?: string;
  input?: string;
  textColumn?: string;
  textPairColumn?: string;
  topK: number;
  batch: number;
  threads?: number;
  quiet?: boolean;
}

/** The inputs the flags name: --text (repeatable, with an optional --text-pair for one pair) or --input FILE. */
function inputsOf(flags: PredictFlags): { inputs: AsyncIterable<PredictInput> | PredictInput[]; file?: string } {
  if ((flags.text === undefined) === (flags.input === undefined)) throw new Error('pass --text "..." (one or more) or --input FILE (.jsonl, .csv or .tsv)');
  if (flags.input && !existsSync(flags.input)) throw new Error(`--input ${flags.input} does not exist: pass a .jsonl, .csv or .tsv file with a text column`);
  if (flags.input) return { inputs: readPredictInputs(flags.input, { text: flags.textColumn, pair: flags.textPairColumn }), file: flags.input };
  if (flags.textPair !== undefined && flags.text!.length !== 1) throw new Error('--text-pair goes with exactly one --text; for many pairs use --input FILE');
  return { inputs: flags.text!.map((text) => (flags.textPair === undefined ? { text } : { text, text_pair: flags.textPair })) };
}

/** Reads the first input before anything is printed, so a bad file fails with its one line alone. */
async function firstChecked(inputs: AsyncIterable<PredictInput> | PredictInput[]): Promise<PredictInput[] | AsyncIterable<PredictInput>> {
  if (Array.isArray(inputs)) return inputs;
  const it = inputs[Symbol.asyncIterator]();
  const first = await it.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  })();
}

export function registerPredict(program: Command): void {
  withExitFlags(program.command('predict'), false)
    .description('run a fine-tuned classifier on new text: one JSON line per input with its label and score (and the top k)')
    .option('--checkpoint <dir>', 'a fine-tuned checkpoint (tltc finetune or tltc compress output)')
    .option('--onnx <file>', 'instead: an exported classifier (onnx/*.onnx in a tltc export folder)')
    .option('--text <text...>', 'text(s) to classify')
    .option('--text-pair <text>', 'with one --text: the second text of a sentence-pair task')
    .option('--input <file>', 'instead: a .jsonl, .csv or .tsv file with a text column (and optionally a text_pair column)')
    .option('--text-column <name>', 'with --input: the text column', 'text')
    .option('--text-pair-column <name>', 'with --input: the second text\'s column (default text_pair when present)')
    .option('--top-k <n>', 'also list the k most likely labels', positiveInt('--top-k'), 1)
    .option('--batch <n>', 'texts per session run', positiveInt('--batch'), 32)
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--quiet', 'no progress bar')
    .action(async (flags: PredictFlags) => {
      const { inputs: unchecked, file } = inputsOf(flags);
      const inputs = await firstChecked(unchecked);
      const [exit] = exitCriteria(flags, false);
      const classifier = await openClassifier({ checkpoint: flags.checkpoint, onnx: flags.onnx }, flags.threads, exit);
      const progress = createProgress('predict', file ? await estimateRows(file) : 0, { quiet: flags.quiet || !file });
      try {
        let done = 0;
        for await (const p of classifyAll(classifier, inputs, { topK: flags.topK, batch: flags.batch })) {
          process.stdout.write(`${JSON.stringify(p)}\n`);
          progress.update(++done);
        }
      } finally {
        progress.stop();
        await classifier.release();
      }
    });
}
