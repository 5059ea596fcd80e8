import { type Command, Option } from 'commander';
import { compress, type CompressOptions } from '../pipeline/compress.ts';
import { parseBytes } from '../pipeline/compress_search.ts';
import { nonNegativeInt, positiveInt, positiveNumber } from './errors.ts';
import { TASK_HELP, taskColumns, withoutTaskColumns, withTaskColumnFlags, type TaskColumnFlags } from './task_flags.ts';

/** What commander hands the action: the options by their camel-cased flag names. */
type CompressFlags = Omit<CompressOptions, 'outDir' | 'columns'> & { out: string } & TaskColumnFlags;

function sparsity(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new Error(`--prune must be a sparsity in [0, 1), e.g. 0.6, got "${value}"`);
  return n;
}

function fraction(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0 && n < 1)) throw new Error(`${flag} must be in (0, 1), e.g. 0.2, got "${value}"`);
    return n;
  };
}

export function registerCompress(program: Command): void {
  withTaskColumnFlags(program.command('compress'))
    .description('compress a fine-tuned classifier (structured, magnitude and N:M pruning, QAT, k-bit and binary-coded weights), export it and measure accuracy, bytes and latency through onnxruntime; writes compress.json')
    .requiredOption('--checkpoint <dir>', 'fine-tuned (tltc finetune) checkpoint or its folder')
    .option('--task <name>', `the task the classifier was fine-tuned on: ${TASK_HELP}`, 'genre')
    .option('--quant <format>', 'fp32 | int8 | int4 | <bits>[:g32|:g64|:g128|:per-channel] with bits 2..8 | nmN:M[:int8|:q<bits>] (N:M sparse encoder weights, learned while recovery trains; values fp32, int8 or 2..7 bits) | bcq<q>[:g32|:g64|:g128] (q = 1..4 binary planes) | search (per-matrix N:M and bits under --max-bytes)', 'int8')
    .option('--prune <sparsity>', 'magnitude-prune the encoder weights to this sparsity, in [0, 1)', sparsity)
    .addOption(new Option('--method <kind>', 'choose the pruned weights by magnitude during recovery training, as a lottery ticket (iterative magnitude pruning with rewinding) or as a random ticket').choices(['magnitude', 'imp', 'random']).default('magnitude'))
    .option('--rounds <n>', 'imp: rounds of pruning, each removing --prune-per-round of the surviving weights (instead of --prune)', positiveInt('--rounds'))
    .option('--prune-per-round <p>', 'imp: fraction of the surviving weights each round removes (default 0.2)', fraction('--prune-per-round'))
    .option('--rewind-to <point>', 'imp and random: reset the surviving weights to "pretrained" (default) or to fine-tuning step STEP before each round trains them')
    .addOption(new Option('--schedule <kind>', 'reach --prune at once or on the cubic schedule over the budget').choices(['oneshot', 'gradual']).default('gradual'))
    .addOption(new Option('--scope <scope>', 'one magnitude threshold for all layers, or one per weight (N:M formats prune within each group)').choices(['global', 'layer']).default('global'))
    .option('--structured <spec>', 'remove attention heads and FFN neurons, e.g. heads=0.3,ffn=0.4')
    .option('--qat', 'train with fake-quantized weights (straight-through gradient) before export')
    .option('--max-bytes <size>', "with --quant search: the file's size budget (bytes, KB or MB, e.g. 1.2MB); each encoder matrix gets dense or 2:4 and 7-bit (int8), 4-, 3- or 2-bit values, chosen by a Fisher-weighted error estimate", parseBytes)
    .option('--fp32-embeddings', 'keep the embeddings fp32')
    .option('--budget <budget>', 'recovery training after pruning or for --qat: 2m, 300steps, 1epoch, ...', '2m')
    .option('--recover', 'train for --budget even when nothing is pruned (a control for recovery training)')
    .option('--lr <x>', 'peak learning rate of recovery training', positiveNumber('--lr'))
    .option('--batch-size <n>', 'sequences per recovery step', positiveInt('--batch-size'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'))
    .option('--examples <n>', 'measure accuracy on a fixed random subset of this many examples', positiveInt('--examples'))
    .requiredOption('--out <dir>', 'output folder')
    .option('--threads <n>', 'intra-op threads for training and measurement', positiveInt('--threads'))
    .option('--quiet', 'no progress output')
    .action(async (flags: CompressFlags) => {
      const { out, ...rest } = withoutTaskColumns(flags);
      const r = await compress({ ...rest, columns: taskColumns(flags), outDir: out });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
