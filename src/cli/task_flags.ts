/** The flags of `--task` on the user's own files, shared by finetune, compress, eval and downstream. */
import { Option, type Command } from 'commander';
import type { TaskColumns } from '../data/task_source.ts';
import { nonNegativeInt } from './errors.ts';

export const TASK_HELP = 'a built-in task (genre, sentiment, spam) or your own data: a .csv, .tsv or .jsonl file, or a folder of train/validation/test files';

export interface TaskColumnFlags {
  textColumn?: string;
  textPairColumn?: string;
  labelColumn?: string;
  groupColumn?: string;
  taskKind?: 'auto' | 'classification' | 'regression';
  splitSeed?: number;
}

/** Adds the column flags to a command (defaults live in file_task.ts, so the flags stay unset unless given). */
export function withTaskColumnFlags(command: Command): Command {
  return command
    .option('--text-column <name>', 'with --task FILE: the text column (default text)')
    .option('--text-pair-column <name>', 'with --task FILE: the second text of a sentence-pair task')
    .option('--label-column <name>', 'with --task FILE: the label column (default label)')
    .option('--group-column <name>', 'with --task FILE: rows sharing this value stay in one split when splits are made')
    .addOption(new Option('--task-kind <kind>', 'with --task FILE: classes or a numeric target (default auto)').choices(['auto', 'classification', 'regression']))
    .option('--split-seed <n>', 'with --task FILE: seed of the validation and test splits made when files lack them (default 0)', nonNegativeInt('--split-seed'));
}

export function taskColumns(flags: TaskColumnFlags): TaskColumns {
  const { textColumn, textPairColumn, labelColumn, groupColumn, taskKind, splitSeed } = flags;
  return { textColumn, pairColumn: textPairColumn, labelColumn, groupColumn, kind: taskKind, seed: splitSeed };
}

/** The flags without the column ones, for commands that spread their flags into options. */
export function withoutTaskColumns<T extends TaskColumnFlags>(flags: T): Omit<T, keyof TaskColumnFlags> {
  const { textColumn: _t, textPairColumn: _p, labelColumn: _l, groupColumn: _g, taskKind: _k, splitSeed: _s, ...rest } = flags;
  return rest;
}
