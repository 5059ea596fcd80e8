import type { Command } from 'commander';
import { readBenchSpec } from '../bench/spec.ts';
import { runBench } from '../bench/train_bench.ts';
import { positiveNumber } from './errors.ts';

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('time training steps of a benchmark spec\'s model on random tokens (DESIGN §4)')
    .requiredOption('--spec <file>', 'benchmark spec, e.g. ../shared/bench/mlm-base.json')
    .option('--seconds <n>', 'seconds of timed steps', positiveNumber('--seconds'), 20)
    .option('--json', 'print one JSON line (the default output is a short table)')
    .action(async (flags: { spec: string; seconds: number; json?: boolean }) => {
      const r = await runBench(readBenchSpec(flags.spec), { seconds: flags.seconds });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return;
      }
      process.stdout.write(
        `${r.name}: ${r.tokens_per_s.toFixed(0)} tokens/s, ${r.step_ms.toFixed(1)} ms/step, ${r.gflops_per_step.toFixed(1)} GFLOP/step, ` +
          `${r.achieved_gflops.toFixed(1)} GFLOP/s of ${r.peak_gflops.toFixed(1)} peak (MFU ${(100 * r.mfu).toFixed(1)}%)\n`,
      );
    });
}
