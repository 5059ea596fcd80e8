/** The tltc command line. */
import { Command, CommanderError } from 'commander';
import { registerBench } from './bench.ts';
import { registerCompress } from './compress.ts';
import { registerDistill } from './distill.ts';
import { fail } from './errors.ts';
import { registerEval } from './eval.ts';
import { registerExperiments } from './experiments.ts';
import { registerExport } from './export.ts';
import { registerFinetune } from './finetune.ts';
import { registerImport } from './import.ts';
import { registerPredict } from './predict.ts';
import { registerTrain } from './train.ts';
import { registerTranslate } from './translate.ts';

const program = new Command();
program
  .name('tltc')
  .description('Train Large, Then Compress: train transformer language models on ONNX Runtime, then compress them')
  .version('0.1.0')
  .showHelpAfterError(false)
  .exitOverride()
  // Commander's errors (and its "Did you mean" hint) become one line, like every other error.
  .configureOutput({ writeErr: (s) => process.stderr.write(`tltc: ${s.replace(/^error: /, '').trim().replace(/\s*\n+\s*/g, ' ')}\n`) });

registerTrain(program);
registerEval(program);
registerDistill(program);
registerFinetune(program);
registerPredict(program);
registerTranslate(program);
registerCompress(program);
registerExport(program);
registerImport(program);
registerBench(program);
registerExperiments(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 1);
  fail(err);
}
