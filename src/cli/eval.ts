import type { Command } from 'commander';
import { writeFileAtomic } from '../util/atomic.ts';
import { evaluateCheckpoint } from '../train/evaluate.ts';
import { positiveInt } from './errors.ts';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('validation loss and perplexity of a checkpoint (or a run folder\'s newest checkpoint); prints JSON')
    .requiredOption('--checkpoint <dir>', 'checkpoint folder or run folder')
    .option('--corpus <path>', 'evaluate on this corpus\'s validation split instead of the training corpus')
    .option('--sequences <n>', 'validation sequences', positiveInt('--sequences'))
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--out <file>', 'also write the result to this JSON file')
    .action(async (flags: { checkpoint: string; corpus?: string; sequences?: number; threads?: number; out?: string }) => {
      const r = await evaluateCheckpoint(flags.checkpoint, flags);
      if (flags.out) writeFileAtomic(flags.out, `${JSON.stringify(r, null, 2)}\n`);
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
