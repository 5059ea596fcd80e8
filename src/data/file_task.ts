/**
 * Tasks read from the user's files: one `.csv`, `.tsv` or `.jsonl` file, or a folder of split
 * files named `train.*`, `validation.*` (or `val.*`, `dev.*`) and `test.*`, the Hugging Face
 * `datasets` layout. Missing splits are cut from train by a seeded shuffle of groups, so the same
 * seed gives the same split on any machine, and rows of one group never cross splits.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Random } from '../util/random.ts';
import { readRows, tableFormat, TABLE_EXTENSIONS, type TableRow } from './table_rows.ts';
import { TASKS, type Example, type Task } from './tasks.ts';

export interface FileExample extends Example {
  /** Second text of a sentence-pair task. */
  pair?: string;
}

export interface FileTask extends Task {
  kind: 'classification' | 'regression';
  train: FileExample[];
  val: FileExample[];
  test: FileExample[];
  files: { train: string; val?: string; test?: string };
  /** How the splits with no file of their own were made, as a sentence; absent when all three had files. */
  split_rule?: string;
}

export interface FileTaskOptions {
  /** A table file, or a folder of split files. */
  path: string;
  textColumn?: string; // default 'text'
  pairColumn?: string; // default: none (single-text task)
  labelColumn?: string; // default 'label'
  /** Rows sharing this column's value stay in one split (e.g. passages of one document). */
  groupColumn?: string;
  kind?: 'auto' | 'classification' | 'regression'; // default 'auto'
  seed?: number; // default 0
}

type Split = 'train' | 'val' | 'test';
type Files = FileTask['files'];

/** Fraction of train groups given to each split that has no file. */
const HELD_OUT_FRACTION = 0.1;
/** Random stream id for split assignment, so it never shares draws with other seeded uses. */
const SPLIT_STREAM = 0x5e1f;
const SPLIT_STEMS: Record<Split, string[]> = { train: ['train'], val: ['validation', 'val', 'dev'], test: ['test'] };
const SPLIT_NAMES: Record<Split, string> = { train: 'train', val: 'validation', test: 'test' };
const COLUMN_FLAGS: Record<string, string> = { text: '--text-column', pair: '--text-pair-column', label: '--label-column', group: '--group-column' };

/** Whether a task name names files rather than a built-in task. */
export function isTaskPath(name: string): boolean {
  if ((TASKS as readonly string[]).includes(name)) return false;
  return tableFormat(name) !== null || name.includes('/') || name.includes(path.sep) || existsSync(name);
}

export async function loadFileTask(options: FileTaskOptions): Promise<FileTask> {
  const cols = columnsOf(options);
  const files = splitFiles(options.path);
  const raw = {
    train: await readSplit(files.train, cols),
    val: files.val ? await readSplit(files.val, cols) : [],
    test: files.test ? await readSplit(files.test, cols) : [],
  };
  const kind = decideKind(options.kind ?? 'auto', [...raw.train, ...raw.val, ...raw.test], cols.label);
  const labels = kind === 'regression' ? [cols.label] : classNames(raw.train, files.train, cols.label);
  const toExample = exampleMaker(kind, labels, cols.label, files.train);
  const examples = {
    train: raw.train.map(toExample),
    val: raw.val.map(toExample),
    test: raw.test.map(toExample),
  };
  const { splits, rule } = fillMissingSplits(examples, raw.train, files, cols.group, options.seed ?? 0);
  return { name: taskName(options.path), kind, labels, ...splits, files, ...(rule ? { split_rule: rule } : {}) };
}

interface Columns {
  text: string;
  pair?: string;
  label: string;
  group?: string;
}

function columnsOf(o: FileTaskOptions): Columns {
  return { text: o.textColumn ?? 'text', pair: o.pairColumn, label: o.labelColumn ?? 'label', group: o.groupColumn };
}

function taskName(p: string): string {
  const base = path.basename(path.resolve(p));
  return tableFormat(base) ? base.slice(0, -path.extname(base).length) : base;
}

/** The split files at `p`: the file itself as train, or a folder's train/validation/test files. */
function splitFiles(p: string): Files {
  if (!existsSync(p)) throw new Error(`${p}: no such file or folder; give a .csv, .tsv or .jsonl file, or a folder with train/validation/test files`);
  if (!statSync(p).isDirectory()) {
    if (tableFormat(p) === null) throw new Error(`${p}: unsupported file type; use a .csv, .tsv or .jsonl file`);
    return { train: p };
  }
  const entries = readdirSync(p).filter((f) => tableFormat(f) !== null);
  const find = (split: Split): string | undefined => {
    const stems = SPLIT_STEMS[split];
    const hits = entries.filter((f) => stems.includes(path.basename(f, path.extname(f)).toLowerCase()));
    if (hits.length > 1) throw new Error(`${p}: more than one ${SPLIT_NAMES[split]} file (${hits.join(', ')}); keep one`);
    return hits.length === 1 ? path.join(p, hits[0]) : undefined;
  };
  const train = find('train');
  if (!train) {
    const seen = entries.length > 0 ? entries.join(', ') : 'no .csv, .tsv or .jsonl files';
    throw new Error(`${p}: no train file (found ${seen}); name it train${TABLE_EXTENSIONS.join(', train')}`);
  }
  const val = find('val');
  const test = find('test');
  return { train, ...(val ? { val } : {}), ...(test ? { test } : {}) };
}

/** A row as read: texts checked and trimmed, the label a number when it reads as one. */
interface RawRow {
  text: string;
  pair?: string;
  label: string | number;
  file: string;
  line: number;
  source: string;
  group: string;
}

async function readSplit(file: string, cols: Columns): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  const base = path.basename(file);
  for await (const row of readRows(file, (header) => checkColumns(file, header, cols))) {
    // JSONL has no header: its first row names the columns; a later row lacking one has an empty value.
    if (rows.length === 0) checkColumns(`${file}:${row.line}`, Object.keys(row.values), cols);
    const group = cols.group ? textCell(file, row, cols.group) : String(row.line);
    rows.push({
      text: textCell(file, row, cols.text),
      ...(cols.pair ? { pair: textCell(file, row, cols.pair) } : {}),
      label: labelCell(file, row, cols.label),
      file,
      line: row.line,
      source: `${base}:${group}`,
      group,
    });
  }
  if (rows.length === 0) throw new Error(`${file}: no data rows (0 rows after the header and blank lines); every split needs at least one row`);
  return rows;
}

function checkColumns(where: string, present: string[], cols: Columns): void {
  for (const [role, name] of Object.entries(cols) as [string, string | undefined][]) {
    if (name === undefined || present.includes(name)) continue;
    const shown = present.slice(0, 20).map((c) => JSON.stringify(c)).join(', ') + (present.length > 20 ? ', ...' : '');
    throw new Error(`${where}: no column ${JSON.stringify(name)} (columns: ${shown}); name the ${role} column with ${COLUMN_FLAGS[role]}`);
  }
}

function textCell(file: string, row: TableRow, column: string): string {
  const v = row.values[column];
  const where = `${file}:${row.line}: column ${JSON.stringify(column)}`;
  if (typeof v === 'object' && v !== null) throw new Error(`${where} holds ${Array.isArray(v) ? 'an array' : 'an object'}, not text; give it a string`);
  const text = v === undefined || v === null ? '' : String(v).trim();
  if (text === '') throw new Error(`${where} is empty; fill it in or remove the row`);
  return text;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function labelCell(file: string, row: TableRow, column: string): string | number {
  const v = row.values[column];
  const where = `${file}:${row.line}: column ${JSON.stringify(column)}`;
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) throw new Error(`${where}: label is missing or null; give every row a label`);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') throw new Error(`${where}: label is ${Array.isArray(v) ? 'an array' : 'an object'}; use a string or a number`);
  const s = v.trim();
  // CSV has no types: a label that reads as a number is one, so "1" and "1.0" are one class.
  return NUMBER.test(s) ? Number(s) : s;
}

/** Regression when asked, or on auto when every label is a number and one is fractional. */
function decideKind(asked: 'auto' | 'classification' | 'regression', rows: RawRow[], column: string): FileTask['kind'] {
  if (asked === 'classification') return 'classification';
  if (asked === 'regression') {
    const bad = rows.find((r) => typeof r.label !== 'number');
    if (bad) throw new Error(`${bad.file}:${bad.line}: column ${JSON.stringify(column)} is ${JSON.stringify(bad.label)}, not a number; a regression label must be a number`);
    return 'regression';
  }
  const numeric = rows.every((r) => typeof r.label === 'number');
  return numeric && rows.some((r) => !Number.isInteger(r.label)) ? 'regression' : 'classification';
}

/** Class names: the train file's distinct labels, numbers in numeric order before strings in code-point order. */
function classNames(train: RawRow[], file: string, column: string): string[] {
  const distinct = new Map<string, string | number>();
  for (const r of train) distinct.set(String(r.label), r.label);
  const sorted = [...distinct.values()].sort(compareLabels).map(String);
  if (sorted.length === 1) throw new Error(`${file}: column ${JSON.stringify(column)} has only one class (${JSON.stringify(sorted[0])}); a classifier needs rows of at least two classes`);
  return sorted;
}

function compareLabels(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function exampleMaker(kind: FileTask['kind'], labels: string[], column: string, trainFile: string): (r: RawRow) => FileExample {
  const index = new Map(labels.map((l, i) => [l, i]));
  return (r) => {
    const label = kind === 'regression' ? (r.label as number) : index.get(String(r.label));
    if (label === undefined) {
      throw new Error(`${r.file}:${r.line}: column ${JSON.stringify(column)} has label ${JSON.stringify(String(r.label))}, which no row of ${trainFile} has; add training rows with it or remove the row`);
    }
    return { text: r.text, ...(r.pair !== undefined ? { pair: r.pair } : {}), label, source: r.source };
  };
}

/**
 * Cuts each split that has no file from train: a seeded shuffle of train's distinct groups, then
 * 10% of the groups to test and 10% to validation, whole groups only.
 */
function fillMissingSplits(ex: Record<Split, FileExample[]>, train: RawRow[], files: Files, groupColumn: string | undefined, seed: number): { splits: Record<Split, FileExample[]>; rule?: string } {
  const missing = (['test', 'val'] as const).filter((s) => !files[s]);
  if (missing.length === 0) return { splits: ex };
  const keys = [...new Set(train.map((r) => r.group))];
  const perSplit = Math.max(1, Math.round(keys.length * HELD_OUT_FRACTION));
  const names = missing.map((s) => SPLIT_NAMES[s]).join(' and ');
  if (keys.length - perSplit * missing.length < 1) {
    const groups = groupColumn ? ` in ${keys.length} groups of column ${JSON.stringify(groupColumn)}` : '';
    throw new Error(`${files.train}: ${train.length} rows${groups} are too few to hold out ${names} with at least one ${groupColumn ? 'group' : 'row'} each; add rows or give ${names} files`);
  }
  // Shuffle indices, not keys: Random.shuffle works on number arrays, and the order is machine-independent.
  const order = new Random(seed, SPLIT_STREAM).shuffle(keys.map((_, i) => i));
  const splitOf = new Map<string, Split>();
  order.forEach((k, i) => splitOf.set(keys[k], missing[Math.floor(i / perSplit)] ?? 'train'));
  const splits: Record<Split, FileExample[]> = { train: [], val: ex.val, test: ex.test };
  train.forEach((r, i) => splits[splitOf.get(r.group) as Split].push(ex.train[i]));
  const unit = groupColumn ? `groups of column ${JSON.stringify(groupColumn)}` : 'rows';
  const verb = missing.length > 1 ? 'are each' : 'is';
  const rule = `${names} ${verb} ${HELD_OUT_FRACTION * 100}% of the ${keys.length} ${unit} of ${path.basename(files.train)} (${perSplit} each), picked by a seeded shuffle (seed ${seed}); the rest is train`;
  return { splits, rule };
}
