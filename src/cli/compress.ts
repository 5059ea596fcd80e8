import type { Command } from 'commander';
import { compress } from '../compress/compress.ts';
import { positiveInt } from './errors.ts';

export function registerCompress(program: Command): void {
  program
    .command('compress')
    .description('export a fine-tuned classifier with quantized weights and measure accuracy, bytes and latency through onnxruntime; writes compress.json')
    .requiredOption('--checkpoint <dir>', 'fine-tuned (tltc finetune) checkpoint or its folder')
    .option('--task <name>', 'task the classifier was fine-tuned on', 'genre')
    .option('--quant <format>', 'int8 | int4 | fp32', 'int8')
    .requiredOption('--out <dir>', 'output folder')
    .option('--threads <n>', 'intra-op threads for measurement', positiveInt('--threads'))
    .action(async (flags: { checkpoint: string; task: string; quant: string; out: string; threads?: number }) => {
      const r = await compress({ ...flags, outDir: flags.out });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
