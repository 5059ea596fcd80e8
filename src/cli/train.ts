import { Option, type Command } from 'commander';
import path from 'node:path';
import { parseTrainConfig, readTrainConfig, type TrainConfig } from '../train/config.ts';
import { train } from '../train/trainer.ts';
import { nonNegativeInt, positiveInt, positiveNumber } from './errors.ts';

function sparsityValue(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n < 1)) throw new Error(`--sparsity must be in [0, 1), e.g. 0.8, got "${value}"`);
  return n;
}

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
  method?: 'dense' | 'rigl' | 'static' | 'gradual' | 'earlybert';
  sparsity?: number;
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
    ...sparseSection(base, flags),
  };
  return parseTrainConfig(merged, flags.config ? `config ${flags.config}` : 'arguments');
}

/** `--method rigl|static|gradual --sparsity S` over the config's `sparse` section, `--method earlybert` over its `earlybert`; `--method dense` drops both. */
function sparseSection(base: TrainConfig, flags: TrainFlags): { sparse?: unknown; earlybert?: unknown } {
  if (flags.method === 'earlybert') {
    if (flags.sparsity !== undefined) throw new Error('--sparsity belongs to --method rigl, static or gradual; EarlyBERT sets its ratios in the config\'s earlybert section');
    return { earlybert: base.earlybert ?? {}, sparse: undefined };
  }
  if (flags.sparsity !== undefined && (flags.method ?? base.sparse?.method ?? 'dense') === 'dense') throw new Error('--sparsity needs --method rigl, static or gradual');
  if (flags.method === 'dense') return { sparse: undefined, earlybert: undefined };
  if (!flags.method && flags.sparsity === undefined) return {};
  const sparsity = flags.sparsity ?? base.sparse?.sparsity;
  if (sparsity === undefined) throw new Error(`--method ${flags.method} needs --sparsity S, the share of the encoder's linear weights pruned (e.g. 0.8)`);
  return { sparse: { ...base.sparse, method: flags.method ?? base.sparse?.method, sparsity }, ...(flags.method ? { earlybert: undefined } : {}) };
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
    .addOption(new Option('--method <kind>', 'dense; sparse from step 0: rigl (drop and grow, Evci et al. 2020) or static (fixed random masks); gradual (dense, pruned by magnitude on the cubic schedule); or earlybert (search for an early-bird ticket of heads and FFN neurons, then train it: ticket.json)').choices(['dense', 'rigl', 'static', 'gradual', 'earlybert']))
    .option('--sparsity <s>', 'with --method rigl|static|gradual: share of the encoder\'s linear weights pruned, in [0, 1)', sparsityValue)
    .option('--quiet', 'no progress output')
    .option('--json', 'print the final metrics as one JSON line')
    .action(async (flags: TrainFlags) => {
      const cfg = buildConfig(flags);
      const name = typeof cfg.model === 'string' ? cfg.model : `L${cfg.model.n_layers}-H${cfg.model.d_model}`;
      await trainFromCli(cfg, flags.out ?? path.join('runs', name), flags);
    });
}

/**
 * Trains `cfg` into `outDir` as a command does: the first Ctrl-C stops at the end of the current
 * step with a checkpoint (exit 130, --resume continues), a second one exits at once; --json
 * prints the summary.
 */
export async function trainFromCli(cfg: TrainConfig, outDir: string, flags: { resume?: boolean; quiet?: boolean; json?: boolean }): Promise<void> {
  const stop = new AbortController();
  process.once('SIGINT', () => {
    stop.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  const result = await train(cfg, { outDir, resume: flags.resume, quiet: flags.quiet, signal: stop.signal });
  if (result.stopped) process.exitCode = 130;
  else if (flags.json) process.stdout.write(`${JSON.stringify(result.summary)}\n`);
}
