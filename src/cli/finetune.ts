import { Option, type Command } from 'commander';
import type { Pooling } from '../nn/config.ts';
import { DEFAULT_POOLING } from '../pipeline/finetune.ts';
import { finetuneAny } from '../pipeline/finetune_regression.ts';
import { nonNegativeInt, positiveInt, positiveNumber, shareBelowOne, unitInterval } from './errors.ts';
import { TASK_HELP, taskColumns, withoutTaskColumns, withTaskColumnFlags, type TaskColumnFlags } from './task_flags.ts';

type FinetuneFlags = { checkpoint: string; task: string; out: string; budget: string; batchSize?: number; lr?: number; seed?: number; threads?: number; evalExamples?: number; pooling?: Pooling; quiet?: boolean; method?: 'earlybert' | 'ia3' | 'prompt'; promptLength?: number; teacher?: string; distillAlpha?: number; distillTemperature?: number; earlybertWeights?: 'keep' | 'rewind'; earlybertTicket?: 'earlybird' | 'random'; earlybertHeads?: number; earlybertFfn?: number; resume?: boolean; snapshotEvery?: number; earlyExit?: boolean } & TaskColumnFlags;

export function registerFinetune(program: Command): void {
  withTaskColumnFlags(program.command('finetune'))
    .description('fine-tune a pretrained checkpoint on a classification task; writes finetune.json and a classifier checkpoint to --out')
    .requiredOption('--checkpoint <dir>', 'pretrained checkpoint folder or run folder')
    .option('--task <name>', `${TASK_HELP}; or pos, part-of-speech tagging of the Brown corpus (12 universal tags, accuracy per word)`, 'genre')
    .requiredOption('--out <dir>', 'output folder')
    .option('--budget <budget>', 'training budget: 3m, 500steps, 3epochs, ...', '3m')
    .option('--batch-size <n>', 'sequences per step', positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate', positiveNumber('--lr'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'))
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--eval-examples <n>', 'score val and test on a fixed random subset of this many examples each', positiveInt('--eval-examples'))
    .addOption(new Option('--pooling <how>', `the head's input: each sequence's first token or the mean of its tokens (default ${DEFAULT_POOLING})`).choices(['first', 'mean']))
    .addOption(new Option('--method <name>', 'earlybert: search the early-bird ticket (heads and FFN neurons to remove) in the first part of the budget, then fine-tune the smaller model for the rest; writes ticket.json. ia3: train only (IA)^3 vectors scaling keys, values and FFN activations, and the head (default --lr 3e-3), merged into the weights afterwards; writes the add-on as adapter.safetensors. prompt: train only --prompt-length soft-prompt vectors read before each sequence, and the head (default --lr 1e-2); writes them as adapter.safetensors').choices(['earlybert', 'ia3', 'prompt']))
    .option('--prompt-length <n>', 'with --method prompt: soft-prompt vectors (default 20), at most the model\'s sequence length', positiveInt('--prompt-length'))
    .option('--teacher <dir>', "task distillation: a classifier fine-tuned on this task labels the training examples with its logits (its own tokenizer), and the student learns from them beside the labels; finetune.json records what the teacher cost")
    .option('--distill-alpha <a>', 'with --teacher: weight of the soft-target loss in [0, 1]; the labels\' loss gets 1 - a (default 0.5)', unitInterval('--distill-alpha'))
    .option('--distill-temperature <t>', 'with --teacher: softmax temperature of both models (default 2)', positiveNumber('--distill-temperature'))
    .addOption(new Option('--earlybert-weights <how>', "the ticket's start: the weights where the search ended, or the pretrained encoder's (rewind)").choices(['keep', 'rewind']))
    .addOption(new Option('--earlybert-ticket <kind>', 'the early-bird ticket, or one of the same per-layer sizes drawn at random (the control)').choices(['earlybird', 'random']))
    .option('--earlybert-heads <share>', 'share of each layer\'s attention heads the ticket removes, rounded down, at least one head kept (default 1/3)', shareBelowOne('--earlybert-heads'))
    .option('--earlybert-ffn <share>', 'share of the FFN neurons the ticket removes across layers, rounded down (default 0.4)', shareBelowOne('--earlybert-ffn'))
    .option('--early-exit', 'train a classifier head after every layer jointly (DeeBERT/PABEE), so tltc predict and tltc eval can stop a sequence at the first confident layer (--exit-entropy, --exit-patience); finetune.json scores each exit')
    .option('--resume', 'continue the interrupted fine-tuning in --out from its newest snapshot (the same flags; ends as if never interrupted)')
    .option('--snapshot-every <seconds>', 'training seconds between snapshots that --resume continues from (default 60)', positiveNumber('--snapshot-every'))
    .option('--quiet', 'no progress output')
    .action(async (flags: FinetuneFlags) => {
      const { method, earlybertWeights, earlybertTicket, earlybertHeads, earlybertFfn, snapshotEvery, ...rest } = flags;
      const earlybert = {
        ...(earlybertWeights ? { weights: earlybertWeights } : {}),
        ...(earlybertTicket ? { ticket: earlybertTicket } : {}),
        ...(earlybertHeads !== undefined ? { head_ratio: earlybertHeads } : {}),
        ...(earlybertFfn !== undefined ? { ffn_ratio: earlybertFfn } : {}),
      };
      if (Object.keys(earlybert).length > 0 && method !== 'earlybert') throw new Error('--earlybert-weights, --earlybert-ticket, --earlybert-heads and --earlybert-ffn need --method earlybert');
      const r = await finetuneAny({ ...withoutTaskColumns(rest), columns: taskColumns(rest), outDir: flags.out, ...(snapshotEvery !== undefined ? { snapshotEveryS: snapshotEvery } : {}), ...(method ? { method, ...(method === 'earlybert' ? { earlybert } : {}) } : {}) });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
