import type { Command } from 'commander';
import path from 'node:path';
import { parseTrainConfig, readTrainConfig, type TrainConfig } from '../train/config.ts';
import { train } from '../train/trainer.ts';
import { nonNegativeInt, positiveInt, positiveNumber } from './errors.ts';

interface TrainFlags {
  config?: string;
  model?: string;
  budget?: string;
  out?: string;
  resume?: boolean;
  corpus?: string;
  task?: string;
  seqLen?: number;
  seed?: number;
  threads?: number;
  batchSize?: number;
  lr?: number;
  evalInterval?: number;
  quiet?: boolean;
  json?: boolean;
}

function buildConfig(flags: TrainFlags): TrainConfig {
  if (!flags.config && !flags.model) throw new Error('train needs --config FILE or --model NAME (e.g. --model L4-H256, or E3-D3-H256 with --task translate-en-es)');
  // Translation pairs are verses of 30 tokens on average: 64 positions hold 98% of them whole.
  const defaults = flags.task ? { task: flags.task, data: { seq_len: 64 } } : {};
  const base = flags.config ? readTrainConfig(flags.config) : parseTrainConfig({ model: flags.model, ...defaults }, '--model');
  const merged = {
    ...base,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.budget ? { budget: flags.budget } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.batchSize ? { batch_size: flags.batchSize } : {}),
    ...(flags.task ? { task: flags.task } : {}),
    data: { ...base.data, ...(flags.corpus ? { corpus: flags.corpus } : {}), ...(flags.seqLen ? { seq_len: flags.seqLen } : {}) },
    optimizer: { ...base.optimizer, ...(flags.lr ? { lr: flags.lr } : {}) },
    eval: { ...base.eval, ...(flags.evalInterval ? { interval_s: flags.evalInterval } : {}) },
  };
  return parseTrainConfig(merged, flags.config ? `config ${flags.config}` : 'arguments');
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('pretrain a masked language model, or with --task an encoder-decoder translation model; writes metrics.jsonl, run.json, summary.json and checkpoints/ to --out')
    .option('--config <file>', 'training config (JSON)')
    .option('--model <name>', 'model shorthand L{layers}-H{width}, e.g. L4-H256 (default data and hyperparameters)')
    .option('--budget <budget>', 'training budget: 90s, 10m, 2000steps or 5e6tokens')
    .option('--out <dir>', 'run folder (default runs/<model>)')
    .option('--resume', 'continue the run in --out from its newest complete checkpoint')
    .option('--corpus <path>', '"default", a .txt file or a folder of .txt files')
    .option('--task <name>', 'translate-en-es or translate-es-en: train an encoder-decoder (--model E3-D3-H256) on the KJV / Reina-Valera verse pairs')
    .option('--seq-len <n>', 'tokens per sequence (translation: per side; default 128, with --task 64)', positiveInt('--seq-len'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'))
    .option('--threads <n>', 'intra-op threads (default: all cores)', positiveInt('--threads'))
    .option('--batch-size <n>', 'sequences per step', positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate', positiveNumber('--lr'))
    .option('--eval-interval <seconds>', 'training seconds between evaluations and checkpoints', positiveNumber('--eval-interval'))
    .option('--quiet', 'no progress output')
    .option('--json', 'print the final metrics as one JSON line')
    .action(async (flags: TrainFlags) => {
      const cfg = buildConfig(flags);
      const name = typeof cfg.model === 'string' ? cfg.model : `L${cfg.model.n_layers}-H${cfg.model.d_model}`;
      const outDir = flags.out ?? path.join('runs', name);
      // The first Ctrl-C stops at the end of the current step with a checkpoint; a second one exits at once.
      const stop = new AbortController();
      process.once('SIGINT', () => {
        stop.abort();
        process.once('SIGINT', () => process.exit(130));
      });
      const result = await train(cfg, { outDir, resume: flags.resume, quiet: flags.quiet, signal: stop.signal });
      if (result.stopped) process.exitCode = 130;
      else if (flags.json) process.stdout.write(`${JSON.stringify(result.summary)}\n`);
    });
}
