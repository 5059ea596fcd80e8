import { Option, type Command } from 'commander';
import type { Pooling } from '../nn/config.ts';
import { DEFAULT_POOLING } from '../pipeline/finetune.ts';
import { finetuneAny } from '../pipeline/finetune_regression.ts';
import { nonNegativeInt, positiveInt, positiveNumber } from './errors.ts';
import { TASK_HELP, taskColumns, withoutTaskColumns, withTaskColumnFlags, type TaskColumnFlags } from './task_flags.ts';

export function registerFinetune(program: Command): void {
  withTaskColumnFlags(program.command('finetune'))
    .description('fine-tune a pretrained checkpoint on a classification task; writes finetune.json and a classifier checkpoint to --out')
    .requiredOption('--checkpoint <dir>', 'pretrained checkpoint folder or run folder')
    .option('--task <name>', TASK_HELP, 'genre')
    .requiredOption('--out <dir>', 'output folder')
    .option('--budget <budget>', 'training budget: 3m, 500steps, 3epochs, ...', '3m')
    .option('--batch-size <n>', 'sequences per step', positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate', positiveNumber('--lr'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'))
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--eval-examples <n>', 'score val and test on a fixed random subset of this many examples each', positiveInt('--eval-examples'))
    .addOption(new Option('--pooling <how>', `the head's input: each sequence's first token or the mean of its tokens (default ${DEFAULT_POOLING})`).choices(['first', 'mean']))
    .option('--quiet', 'no progress output')
    .action(async (flags: { checkpoint: string; task: string; out: string; budget: string; batchSize?: number; lr?: number; seed?: number; threads?: number; evalExamples?: number; pooling?: Pooling; quiet?: boolean } & TaskColumnFlags) => {
      const r = await finetuneAny({ ...withoutTaskColumns(flags), columns: taskColumns(flags), outDir: flags.out });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
