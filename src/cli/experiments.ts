import { Option, type Command } from 'commander';
import type { Pooling } from '../nn/config.ts';
import { demo } from '../experiments/demo.ts';
import { downstreamFromSweep, parseGrid, pointsTable, type SweepDownstreamOptions } from '../experiments/downstream.ts';
import { describeEqualBytes } from '../experiments/pareto.ts';
import { defaultThreads } from '../runtime/session.ts';
import { plan } from '../experiments/plan.ts';
import { describePlan } from '../experiments/plan_text.ts';
import { TASK_HELP, taskColumns, withTaskColumnFlags, type TaskColumnFlags } from './task_flags.ts';
import { registerSweep, registerWorker } from './queue.ts';
import { downstreamStatus, enqueueDownstream } from '../queue/downstream_queue.ts';
import { markdownTable } from '../experiments/markdown_report.ts';
import { nonNegativeInt, positiveInt, positiveNumber } from './errors.ts';

interface DownstreamFlags extends TaskColumnFlags {
  sweep?: string;
  queue?: string;
  status?: boolean;
  out: string;
  task: string;
  grid: string;
  finetuneBudget: string;
  finetuneLr?: number;
  pooling?: Pooling;
  finetuneBatch: number;
  pruneBudget: string;
  examples?: number;
  seed?: number;
  threads?: number;
  quiet?: boolean;
}

/** The experiment commands, in the order `tltc --help` lists them: sweep, downstream, plan, report, demo. */
export function registerExperiments(program: Command): void {
  registerSweep(program);
  registerDownstream(program);
  registerPlan(program);
  registerReport(program);
  registerDemo(program);
  registerWorker(program);
}

function registerDownstream(program: Command): void {
  withTaskColumnFlags(program.command('downstream'))
    .description('fine-tune one seed of every size in a sweep on a task at the same budget, compress each over a grid, measure every file; writes downstream.json')
    .option('--sweep <dir>', 'tltc sweep output folder (holds sweep.json)')
    .requiredOption('--out <dir>', 'output folder (fine-tuned and compressed models; with --queue, a path every worker sees)')
    .option('--queue <url>', 'enqueue one job per size on this Redis (redis://HOST:PORT[/DB]) for tltc worker; the worker that finishes the last writes downstream.json')
    .option('--status', 'with --queue: each size\'s job state')
    .option('--task <name>', TASK_HELP, 'genre')
    .option('--grid <list>', 'formats as --quant takes them, each optionally +p<percent> gradual pruning', 'fp32,int8,6,4,3,4+p50,4+p90')
    .option('--finetune-budget <budget>', 'fine-tuning budget per size, the same for all', '2m')
    .option('--finetune-lr <lr>', 'fine-tuning peak learning rate (default: tltc finetune\'s)', positiveNumber('--finetune-lr'))
    .addOption(new Option('--pooling <how>', "the classifier head's input: first token or mean of the tokens (default: tltc finetune's)").choices(['first', 'mean']))
    .option('--finetune-batch <n>', 'fine-tuning batch size', positiveInt('--finetune-batch'), 16)
    .option('--prune-budget <budget>', 'recovery training for each pruned grid point', '1m')
    .option('--examples <n>', 'score this many test examples (a fixed random subset)', positiveInt('--examples'))
    .option('--seed <n>', "which seed's checkpoint of each size (default: the lowest)", nonNegativeInt('--seed'))
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--quiet', 'no progress output')
    .action(async (flags: DownstreamFlags) => {
      if (flags.status) {
        if (!flags.queue) throw new Error('--status reads the job queue: pass --queue redis://HOST:PORT');
        return void process.stdout.write(`${JSON.stringify(await downstreamStatus(flags.queue, flags.out))}\n`);
      }
      if (!flags.sweep) throw new Error('pass --sweep DIR (a tltc sweep output folder)');
      if (flags.queue) return void process.stdout.write(`${JSON.stringify(await enqueueDownstream(downstreamOptions(flags), flags.queue))}\n`);
      const r = await downstreamFromSweep(downstreamOptions(flags));
      process.stdout.write(`${pointsTable(r.points)}\n${describeEqualBytes(r.equal_bytes)}\n`);
    });
}

function downstreamOptions(flags: DownstreamFlags): SweepDownstreamOptions {
  return {
    sweepDir: flags.sweep!,
    outDir: flags.out,
    task: flags.task,
    columns: taskColumns(flags),
    grid: parseGrid(flags.grid),
    finetuneBudget: flags.finetuneBudget,
    finetuneLr: flags.finetuneLr,
    pooling: flags.pooling,
    finetuneBatch: flags.finetuneBatch,
    pruneBudget: flags.pruneBudget,
    examples: flags.examples,
    seed: flags.seed,
    threads: flags.threads ?? defaultThreads(),
    quiet: flags.quiet,
    log: (line) => flags.quiet || process.stderr.write(`${line}\n`),
  };
}

function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('recommend the size to train for a training budget and the model to ship for an inference budget, from a sweep or demo folder')
    .requiredOption('--dir <dir>', 'folder holding sweep.json and/or compress.json files (e.g. a tltc demo output)')
    .option('--train-budget <time>', 'wall-clock training budget, e.g. 90s')
    .option('--max-bytes <n>', 'largest acceptable ONNX file in bytes', positiveNumber('--max-bytes'))
    .option('--max-latency-ms <ms>', 'largest acceptable batch-8 latency', positiveNumber('--max-latency-ms'))
    .option('--report <file>', 'also write an HTML report of the folder (plots and tables) to this file')
    .option('--candidates <sizes>', 'also plan for sizes not trained, e.g. L3-H192,L8-H512 (their tokens/s from a short benchmark here)')
    .option('--bench-seconds <s>', 'seconds of training steps each size is benchmarked for, with --candidates', positiveNumber('--bench-seconds'), 5)
    .option('--bootstrap <n>', 'bootstrap refits of the scaling law, for its intervals', positiveInt('--bootstrap'), 100)
    .option('--json', 'print one JSON object (fit, best, crossovers, measured findings) instead of text')
    .action(async (flags: { dir: string; trainBudget?: string; maxBytes?: number; maxLatencyMs?: number; report?: string; bootstrap: number; json?: boolean; candidates?: string; benchSeconds: number }) => {
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const r = await plan({ dir: flags.dir, trainBudget: flags.trainBudget, limits: { maxBytes: flags.maxBytes, maxLatencyMs: flags.maxLatencyMs }, report: flags.report, bootstrap: flags.bootstrap, candidates: flags.candidates, benchSeconds: flags.benchSeconds, log });
      process.stdout.write(flags.json ? `${JSON.stringify(r, null, 2)}\n` : `${describePlan(r)}\n`);
    });
}

function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the whole workflow, small: tokenizer, 3 sizes at equal budget, fine-tune on spam, compression grid, Pareto front, report.html (about 15 minutes; --quick about 1-2)')
    .option('--quick', 'the smallest version (about a minute once the corpus is cached)')
    .option('--out <dir>', 'output folder', 'runs/demo')
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .option('--quiet', 'no progress output')
    .action(async (flags: { quick?: boolean; out: string; threads?: number; quiet?: boolean }) => {
      const r = await demo({ outDir: flags.out, quick: flags.quick, threads: flags.threads, quiet: flags.quiet });
      process.stdout.write(`${r.summary}\n`);
    });
}

function registerReport(program: Command): void {
  program
    .command('report')
    .description('a Markdown table of every completed training run (run.json, summary.json, metrics.jsonl) or fine-tuning run (finetune.json) under a folder')
    .requiredOption('--markdown <dir>', 'folder of training or fine-tuning run folders')
    .option('--by-recipe', 'one row per recipe (rate, warm-up, dropout, output bias) and one column per model, over seeds')
    .option('--prediction <plan.json>', 'the tltc plan --json output (with --train-budget) that long runs budgeted in tokens test: measured against predicted perplexity on the plan\'s clock')
    .action((flags: { markdown: string; byRecipe?: boolean; prediction?: string }) => {
      process.stdout.write(`${markdownTable(flags.markdown, { byRecipe: flags.byRecipe, prediction: flags.prediction })}\n`);
    });
}
