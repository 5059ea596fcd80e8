import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readCheckpointConfig, resolveCheckpointDir } from '../train/checkpoint.ts';
import { parseTrainConfig, readTrainConfig, type TrainConfig } from '../train/config.ts';
import { parseCmowName } from '../nn/cmow.ts';
import { distillSentences, isSentenceTeacher } from '../pipeline/sentence_distill.ts';
import { trainFromCli } from './train.ts';
import { nonNegativeInt, nonNegativeNumber, openUnitInterval, positiveInt, positiveNumber, unitInterval } from './errors.ts';

interface DistillFlags {
  teacher: string;
  student?: string;
  config?: string;
  budget?: string;
  out?: string;
  resume?: boolean;
  alpha?: number;
  temperature?: number;
  hiddenWeight?: number;
  attentionWeight?: number;
  method?: 'logits' | 'layerwise';
  imitation?: number;
  seed?: number;
  threads?: number;
  batchSize?: number;
  lr?: number;
  quiet?: boolean;
  json?: boolean;
  sentences?: number;
  probeTask?: string;
  tokenizer?: string;
}

/**
 * The student's training config: the config file's, or the defaults; the data section (corpus,
 * vocabulary, sequence length, masking) and batch size are the teacher's own unless the file sets them.
 */
function buildConfig(flags: DistillFlags): TrainConfig {
  if (!flags.config && !flags.student) throw new Error('distill needs --student NAME (e.g. --student L2-H128) or --config FILE');
  const teacherTrain = (readCheckpointConfig(resolveCheckpointDir(flags.teacher)).train ?? {}) as Partial<TrainConfig>;
  const base = flags.config ? readTrainConfig(flags.config) : parseTrainConfig({ model: flags.student, data: teacherTrain.data, batch_size: teacherTrain.batch_size }, '--student');
  const distill = {
    ...base.distill,
    teacher: path.resolve(flags.teacher),
    ...(flags.alpha !== undefined ? { alpha: flags.alpha } : {}),
    ...(flags.temperature !== undefined ? { temperature: flags.temperature } : {}),
    ...(flags.hiddenWeight !== undefined ? { hidden_weight: flags.hiddenWeight } : {}),
    ...(flags.attentionWeight !== undefined ? { attention_weight: flags.attentionWeight } : {}),
    ...(flags.method ? { method: flags.method } : {}),
    ...(flags.imitation !== undefined ? { imitation: flags.imitation } : {}),
  };
  const merged = {
    ...base,
    ...(flags.student ? { model: flags.student } : {}),
    ...(flags.budget ? { budget: flags.budget } : {}),
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.threads ? { threads: flags.threads } : {}),
    ...(flags.batchSize ? { batch_size: flags.batchSize } : {}),
    optimizer: { ...base.optimizer, ...(flags.lr ? { lr: flags.lr } : {}) },
    distill,
  };
  return parseTrainConfig(merged, flags.config ? `config ${flags.config}` : 'arguments');
}

/** A sentence encoder (tltc import) as the teacher: the student is a pretrained checkpoint that learns its embeddings. */
async function distillSentencesFromCli(flags: DistillFlags): Promise<void> {
  const cmow = flags.student !== undefined && parseCmowName(flags.student) !== null;
  if (!flags.student || (!cmow && !existsSync(flags.student))) throw new Error(`with a sentence-encoder teacher, --student is a pretrained tltc checkpoint folder (tltc train), whose tokenizer the student keeps, or cmow[-M<m>-C<c>] with --tokenizer DIR${flags.student ? `; ${flags.student} is neither` : ''}`);
  if (flags.config || flags.method || flags.alpha !== undefined || flags.temperature !== undefined || flags.hiddenWeight !== undefined || flags.attentionWeight !== undefined || flags.imitation !== undefined) {
    throw new Error('with a sentence-encoder teacher the student learns its embeddings by cosine distance: leave out --config, --method, --alpha, --temperature, --hidden-weight, --attention-weight and --imitation');
  }
  const outDir = flags.out ?? path.join('runs', `distill-sentences-${cmow ? flags.student : path.basename(path.resolve(flags.student))}`);
  const r = await distillSentences({ teacher: flags.teacher, student: flags.student, tokenizer: flags.tokenizer, budget: flags.budget ?? '5m', outDir, sentences: flags.sentences, probeTask: flags.probeTask, batchSize: flags.batchSize, lr: flags.lr, seed: flags.seed, threads: flags.threads, quiet: flags.quiet, resume: flags.resume });
  process.stdout.write(`${flags.json ? JSON.stringify(r) : JSON.stringify(r, null, 2)}\n`);
}

export function registerDistill(program: Command): void {
  program
    .command('distill')
    .description("pretrain a student masked LM from a trained teacher: the teacher's soft predictions (KL at a temperature) mixed with the hard MLM loss, optionally its hidden states and attention; summary.json charges the teacher's training time beside the student's")
    .requiredOption('--teacher <dir>', 'a tltc train run folder (its newest checkpoint) or checkpoint folder; or a sentence encoder tltc import wrote (Universal Sentence Encoder Lite), whose embeddings the student learns')
    .option('--student <name>', 'the student, L{layers}-H{width}, e.g. L2-H128; with a sentence-encoder teacher, a pretrained tltc checkpoint folder, or cmow[-M<m>-C<c>] (a CMOW/CBOW hybrid of m x m matrices and c-wide vectors, default M16-C256, trained from scratch)')
    .addOption(new Option('--method <kind>', "logits: the student learns from the teacher's outputs (with --hidden-weight and --attention-weight, also its hidden states and attention); layerwise (Go Wide, Then Narrow): a student of the teacher's depth, no wider, imitates its hidden states layer by layer, bottom-up, for the --imitation share of the budget, then trains on the masked-LM loss").choices(['logits', 'layerwise']))
    .option('--imitation <share>', "with --method layerwise: the budget's share spent imitating, in (0, 1) (default 0.3)", openUnitInterval('--imitation'))
    .option('--config <file>', "the student's training config (JSON); its distill section sets the losses")
    .option('--budget <budget>', "the student's budget: 90s, 10m, 2000steps or 5e6tokens (the teacher's forward passes run inside it)")
    .option('--out <dir>', 'run folder (default runs/distill-<student>)')
    .option('--resume', 'continue the run in --out from its newest complete checkpoint')
    .option('--alpha <a>', 'weight of the soft loss in [0, 1]; the hard MLM loss gets 1 - a (default 0.5)', unitInterval('--alpha'))
    .option('--temperature <t>', 'softmax temperature of both models (default 2)', positiveNumber('--temperature'))
    .option('--hidden-weight <w>', 'weight of hidden-state matching through learned projections (TinyBERT; default 0)', nonNegativeNumber('--hidden-weight'))
    .option('--attention-weight <w>', "weight of the KL between the last layers' attention distributions (MiniLM; default 0)", nonNegativeNumber('--attention-weight'))
    .option('--seed <n>', 'random seed', nonNegativeInt('--seed'))
    .option('--threads <n>', 'intra-op threads (default: all cores)', positiveInt('--threads'))
    .option('--batch-size <n>', "sequences per step (default: the teacher's)", positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate (default: by the student\'s width)', positiveNumber('--lr'))
    .option('--quiet', 'no progress output')
    .option('--json', 'print the final summary as one JSON line')
    .option('--sentences <n>', 'with a sentence-encoder teacher (tltc import): corpus sentences the student learns from (default 20000)', positiveInt('--sentences'))
    .option('--tokenizer <dir>', 'with --student cmow: the pretrained checkpoint whose tokenizer and sequence length the CMOW/CBOW student uses')
    .option('--probe-task <task>', 'with a sentence-encoder teacher: the task whose linear probe scores teacher and student embeddings (default spam)')
    .action(async (flags: DistillFlags) => {
      if (isSentenceTeacher(flags.teacher)) return distillSentencesFromCli(flags);
      const cfg = buildConfig(flags);
      const outDir = flags.out ?? path.join('runs', `distill-${typeof cfg.model === 'string' ? cfg.model : `L${cfg.model.n_layers}-H${cfg.model.d_model}`}`);
      await trainFromCli(cfg, outDir, flags);
    });
}
