/**
 * One way in for every command that takes `--task`: a built-in task's name (genre, sentiment,
 * spam) or the user's own files (file_task.ts), with the columns the flags name.
 */
import { existsSync } from 'node:fs';
import { isTaskPath, loadFileTask, type FileTask, type FileTaskOptions } from './file_task.ts';
import { checkTaskName, loadTask, TASKS, type Task } from './tasks.ts';

/** The column flags of a file task (`--text-column` and the rest); ignored for built-in tasks. */
export type TaskColumns = Omit<FileTaskOptions, 'path'>;

export type AnyTask = Task & Partial<Pick<FileTask, 'kind' | 'files' | 'split_rule'>>;

/** Fails fast, before any long work, on a task that is neither built in nor an existing path. */
export function checkTask(task: string): void {
  if (!isTaskPath(task)) {
    checkTaskName(task);
    return;
  }
  if (!existsSync(task)) throw new Error(`--task ${task}: no such file or folder; pass a .csv, .tsv or .jsonl file, a folder of train/validation/test files, or one of ${TASKS.join(', ')}`);
}

/** The task, loaded: a built-in one (classes) or the user's files (classes or a regression target). */
export async function resolveTask(task: string, columns: TaskColumns = {}): Promise<AnyTask> {
  checkTask(task);
  if (!isTaskPath(task)) return loadTask(task);
  return loadFileTask({ ...columns, path: task });
}

/** The task, refused with what to do instead when it is a regression task and `what` needs classes. */
export async function resolveClassificationTask(task: string, columns: TaskColumns, what: string): Promise<AnyTask> {
  const loaded = await resolveTask(task, columns);
  if (loaded.kind === 'regression') throw new Error(`--task ${task}: column "${columns.labelColumn ?? 'label'}" is a numeric (regression) target, and ${what} measures classes; for classes pass --task-kind classification`);
  return loaded;
}

/** The numeric target a regression checkpoint (`from`) was fine-tuned for, refused when the task has classes. */
export async function resolveRegressionTask(task: string, columns: TaskColumns, from: string): Promise<AnyTask> {
  const loaded = isTaskPath(task) ? await resolveTask(task, { ...columns, kind: columns.kind ?? 'regression' }) : await resolveTask(task, columns);
  if (loaded.kind !== 'regression') throw new Error(`--task ${task} has classes, and ${from} predicts a number: pass the numeric task it was fine-tuned on, or a checkpoint fine-tuned on classes`);
  return loaded;
}
