import { Option, type Command } from 'commander';
import { writeFileAtomic } from '../util/atomic.ts';
import { evaluateOnnx } from '../export/evaluate_onnx.ts';
import { evaluateTranslation } from '../pipeline/translate.ts';
import { readCheckpointConfig, resolveCheckpointDir } from '../train/checkpoint.ts';
import { evaluateCheckpoint } from '../train/evaluate.ts';
import { positiveInt, positiveNumber } from './errors.ts';
import { exitCriteria, withExitFlags, type ExitFlags } from './exit_flags.ts';
import { TASK_HELP, taskColumns, withTaskColumnFlags, type TaskColumnFlags } from './task_flags.ts';

/** A translation checkpoint's BLEU and chrF on its test pairs, or an encoder's validation perplexity. */
async function evaluateAnyCheckpoint(checkpoint: string, flags: EvalFlags): Promise<object> {
  const translation = readCheckpointConfig(resolveCheckpointDir(checkpoint)).model_type === 'tltc-seq2seq';
  if (!translation && flags.split) throw new Error('--split chooses a translation checkpoint\'s pairs; for an encoder, --corpus names the text whose validation split is scored');
  return translation ? evaluateTranslation(checkpoint, { split: flags.split, examples: flags.examples, threads: flags.threads, beam: flags.beam, lengthPenalty: flags.lengthPenalty }) : evaluateCheckpoint(checkpoint, flags);
}

interface EvalFlags extends ExitFlags {
  checkpoint?: string;
  onnx?: string;
  task: string;
  examples?: number;
  corpus?: string;
  sequences?: number;
  threads?: number;
  out?: string;
  beam?: number;
  lengthPenalty?: number;
  split?: 'validation' | 'test';
  batch?: number;
}

export function registerEval(program: Command): void {
  withExitFlags(withTaskColumnFlags(program.command('eval')), true)
    .description('validation loss and perplexity of a checkpoint (or a run folder\'s newest checkpoint), a translation checkpoint\'s BLEU and chrF on its test (or validation) pairs, or an exported classifier\'s accuracy or translation file\'s BLEU; prints JSON')
    .option('--checkpoint <dir>', 'checkpoint folder or run folder')
    .option('--onnx <file>', 'instead: an exported file (onnx/*.onnx in a tltc export folder): a classifier scored on --task, or a translation model\'s encoder_model*.onnx scored on its test books')
    .option('--task <name>', `with --onnx: the task to score on, ${TASK_HELP}`, 'genre')
    .option('--examples <n>', 'with --onnx or a translation checkpoint: a fixed random subset of this many test examples', positiveInt('--examples'))
    .option('--beam <n>', 'a translation checkpoint: beam size (default 1, greedy); above 1 greedy decoding is scored too, with the paired bootstrap of the difference', positiveInt('--beam'))
    .addOption(new Option('--split <name>', 'a translation checkpoint: the books to score (default test)').choices(['validation', 'test']))
    .option('--length-penalty <x>', 'a translation checkpoint: beam search length exponent (default 1)', positiveNumber('--length-penalty'))
    .option('--corpus <path>', 'evaluate on this corpus\'s validation split instead of the training corpus')
    .option('--sequences <n>', 'validation sequences', positiveInt('--sequences'))
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--batch <n>', 'with --exit-entropy or --exit-patience: rows per run of the early-exit curve (default 8)', positiveInt('--batch'))
    .option('--out <file>', 'also write the result to this JSON file')
    .action(async (flags: EvalFlags & TaskColumnFlags) => {
      if ((flags.checkpoint === undefined) === (flags.onnx === undefined)) throw new Error('pass either --checkpoint (a checkpoint\'s perplexity) or --onnx (an exported classifier\'s accuracy)');
      const exits = exitCriteria(flags, true);
      if (exits.length && !flags.onnx) throw new Error('--exit-entropy and --exit-patience score an exported early-exit classifier: pass --onnx FILE');
      const r = flags.onnx ? await evaluateOnnx({ file: flags.onnx, task: flags.task, columns: taskColumns(flags), examples: flags.examples, threads: flags.threads, exits, batch: flags.batch }) : await evaluateAnyCheckpoint(flags.checkpoint!, flags);
      if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify(r, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
