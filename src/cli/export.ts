import type { Command } from 'commander';
import { exportHuggingFace } from '../export/hf_export.ts';
import { exportTransformersJs } from '../export/transformersjs.ts';
import { exportTranslation } from '../export/translation_export.ts';
import { parseWeightFormat } from '../export/weight_format.ts';
import { readCheckpointConfig, resolveCheckpointDir } from '../train/checkpoint.ts';

const FORMATS = ['transformersjs', 'hf'] as const;

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('export a checkpoint (pretrained MLM, fine-tuned classifier, or translation model: mBART layout, encoder_model and decoder_model_merged) as a folder transformers.js, onnxruntime-node and onnxruntime-web load as it is (--format transformersjs), or one Hugging Face transformers loads with from_pretrained (--format hf: config.json and model.safetensors under HF names)')
    .requiredOption('--checkpoint <dir>', 'checkpoint folder or run folder (tltc train, finetune or compress)')
    .requiredOption('--out <dir>', 'new folder to create (must not exist or be empty)')
    .option('--format <name>', `folder layout: ${FORMATS.join(', ')}`, 'transformersjs')
    .option('--quant <list>', 'transformersjs: weight formats to write, as --quant takes them: fp32 -> onnx/model.onnx, int8 -> model_quantized.onnx, int4 -> model_q4.onnx', 'fp32,int8,int4')
    .action(async (flags: { checkpoint: string; out: string; format: string; quant: string }) => {
      if (!(FORMATS as readonly string[]).includes(flags.format)) throw new Error(`--format ${flags.format} is not known: use ${FORMATS.join(', ')}`);
      if (flags.format === 'hf') {
        process.stdout.write(`${JSON.stringify(await exportHuggingFace({ checkpoint: flags.checkpoint, outDir: flags.out }))}\n`);
        return;
      }
      const formats = flags.quant.split(',').map((s) => s.trim()).filter(Boolean);
      if (formats.length === 0) throw new Error('--quant lists no format: use e.g. fp32,int8,int4');
      formats.forEach(parseWeightFormat); // a bad format fails before the checkpoint is read
      const translation = readCheckpointConfig(resolveCheckpointDir(flags.checkpoint)).model_type === 'tltc-seq2seq';
      const r = translation ? await exportTranslation({ checkpoint: flags.checkpoint, outDir: flags.out, formats }) : await exportTransformersJs({ checkpoint: flags.checkpoint, outDir: flags.out, formats });
      process.stdout.write(`${JSON.stringify(r)}\n`);
    });
}
