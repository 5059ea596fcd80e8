/** `tltc predict --input FILE`: texts (and text pairs) streamed from a .jsonl, .csv or .tsv file. */
import { createReadStream } from 'node:fs';
import { readRows, tableFormat } from '../data/table_rows.ts';
import type { PredictInput } from './predict.ts';

export interface InputColumns {
  text?: string;
  pair?: string;
}

/** About the rows in the file (its lines, less a CSV or TSV header; one pass over its bytes), for the progress bar's total. */
export async function estimateRows(file: string): Promise<number> {
  let newlines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (const byte of chunk) if (byte === 10) newlines++;
    last = chunk.length > 0 ? chunk[chunk.length - 1] : last;
  }
  const header = tableFormat(file) === 'jsonl' ? 0 : 1;
  return Math.max(0, newlines + (last === 10 ? 0 : 1) - header);
}

/** Each row's text (column `text` unless named) and, when a pair column is named or `text_pair` exists, its second text. */
export async function* readPredictInputs(file: string, columns: InputColumns = {}): AsyncGenerator<PredictInput> {
  const textColumn = columns.text ?? 'text';
  for await (const row of readRows(file)) {
    const value = (name: string) => row.values[name];
    if (value(textColumn) === undefined) throw new Error(`${file}:${row.line}: no column "${textColumn}" (columns: ${Object.keys(row.values).map((c) => `"${c}"`).join(', ')}); name the text column with --text-column`);
    const text = String(value(textColumn) ?? '');
    const pairColumn = columns.pair ?? (value('text_pair') !== undefined ? 'text_pair' : undefined);
    if (pairColumn && value(pairColumn) === undefined) throw new Error(`${file}:${row.line}: no column "${pairColumn}"; name the second text's column with --text-pair-column`);
    yield pairColumn ? { text, text_pair: String(value(pairColumn) ?? '') } : { text };
  }
}
