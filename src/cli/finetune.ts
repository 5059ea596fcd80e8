import type { Command } from 'commander';
import { finetune } from '../pipeline/finetune.ts';
import { nonNegativeInt, positiveInt, positiveNumber } from './errors.ts';

export function registerFinetune(program: Command): void {
  program
    .command('finetune')
    .description('fine-tune a pretrained checkpoint on a classification task; writes finetune.json and a classifier checkpoint to --out')
    .requiredOption('--checkpoint <dir>', 'pretrained checkpoint folder or run folder')
    .option('--task <name>', 'task: genre | sentiment | spam', 'genre')
    .requiredOption('--out <dir>', 'output folder')
    .option('--budget <budget>', 'training budget: 3m, 500steps, 3epochs, ...', '3m')
    .option('--batch-size <n>', 'sequences per step', positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate', positiveNumber('--lr'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'))
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--eval-examples <n>', 'score val and test on a fixed random subset of this many examples each', positiveInt('--eval-examples'))
    .option('--quiet', 'no progress output')
    .action(async (flags: { checkpoint: string; task: string; out: string; budget: string; batchSize?: number; lr?: number; seed?: number; threads?: number; evalExamples?: number; quiet?: boolean }) => {
      const r = await finetune({ ...flags, outDir: flags.out });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
