/**
 * Rows of a user's table file: `.csv` or `.tsv` with a header row, or `.jsonl` with one JSON
 * object per line. Files are streamed (a data set may not fit in one string) and decoded as
 * strict UTF-8, so a bad byte is reported by line instead of turning into U+FFFD inside a text.
 * Every error is one line naming the file and, where it applies, the line.
 */
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';

export interface TableRow {
  /** 1-based line the row starts on. */
  line: number;
  values: Record<string, unknown>;
}

export type TableFormat = 'csv' | 'tsv' | 'jsonl';
export const TABLE_EXTENSIONS: readonly string[] = ['.csv', '.tsv', '.jsonl'];

/** The format a file name's extension names, or null. */
export function tableFormat(file: string): TableFormat | null {
  const ext = path.extname(file).toLowerCase();
  return TABLE_EXTENSIONS.includes(ext) ? (ext.slice(1) as TableFormat) : null;
}

/**
 * Rows of `file`. For CSV and TSV, `onHeader` sees the header before any row, so a missing
 * column is reported once for the file rather than on every row.
 */
export async function* readRows(file: string, onHeader: (columns: string[]) => void = () => {}): AsyncGenerator<TableRow> {
  const format = tableFormat(file);
  if (format === null) throw new Error(`${file}: unsupported file type; use a .csv, .tsv or .jsonl file`);
  if (statSync(file).size === 0) {
    const needs = format === 'jsonl' ? 'one JSON object per line' : 'a header row and one row per example';
    throw new Error(`${file}: file is empty (0 bytes); it needs ${needs}`);
  }
  if (format === 'jsonl') yield* jsonlRows(file);
  else yield* delimitedRows(file, format === 'tsv' ? '\t' : ',', onHeader);
}

interface Line {
  line: number;
  /** The decoded line with its terminator, so a CSV parser sees the original bytes' text. */
  text: string;
}

/** Lines of a file, each decoded as strict UTF-8 on its own so a decode error has a line number. */
export async function* utf8Lines(file: string): AsyncGenerator<Line> {
  // Non-streaming decode calls drop a leading BOM, which only the first line can carry.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 0;
  const decode = (bytes: Uint8Array): Line => {
    line++;
    try {
      return { line, text: decoder.decode(bytes) };
    } catch {
      throw new Error(`${file}:${line}: not valid UTF-8; re-save the file with UTF-8 encoding`);
    }
  };
  // Pieces of a line not yet ended; joined once at its newline so a long line costs linear time.
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      yield decode(Buffer.concat([...pending, chunk.subarray(start, nl + 1)]));
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) yield decode(Buffer.concat(pending));
}

async function* jsonlRows(file: string): AsyncGenerator<TableRow> {
  for await (const { line, text } of utf8Lines(file)) {
    const body = text.trim();
    if (body === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (e) {
      throw new Error(`${file}:${line}: not valid JSON (${oneLine((e as Error).message)}); write one JSON object per line`, { cause: e });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`${file}:${line}: expected a JSON object, got ${jsonKind(value)}; write one object per line, like {"text": "...", "label": "..."}`);
    }
    yield { line, values: value as Record<string, unknown> };
  }
}

async function* delimitedRows(file: string, delimiter: string, onHeader: (columns: string[]) => void): AsyncGenerator<TableRow> {
  const source = Readable.from(textOf(utf8Lines(file)));
  // Strict quoting (csv-parse's default): a stray quote is an error, never a silently merged row.
  const parser = parse({ delimiter, info: true, skip_empty_lines: true });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  let header: string[] | null = null;
  let lastLine = 0;
  let lastEmpty = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      // info.lines is where the record ends; it starts after the previous one and any skipped blank lines.
      const line = lastLine + (info.empty_lines - lastEmpty) + 1;
      lastLine = info.lines;
      lastEmpty = info.empty_lines;
      if (header === null) {
        header = headerOf(file, record);
        onHeader(header);
        continue;
      }
      const columns = header;
      yield { line, values: Object.fromEntries(columns.map((c, i) => [c, record[i]])) };
    }
  } catch (e) {
    throw e instanceof CsvError ? csvError(file, e, lastLine + 1) : e;
  } finally {
    source.destroy();
  }
}

async function* textOf(lines: AsyncIterable<Line>): AsyncGenerator<string> {
  for await (const l of lines) yield l.text;
}

function headerOf(file: string, record: string[]): string[] {
  const header = record.map((c) => c.trim());
  const seen = new Set<string>();
  for (const c of header) {
    if (seen.has(c)) throw new Error(`${file}:1: column ${JSON.stringify(c)} appears twice in the header; give each column its own name`);
    seen.add(c);
  }
  return header;
}

/** csv-parse's error as one line; `recordLine` is where the failing record starts. */
function csvError(file: string, e: CsvError, recordLine: number): Error {
  const line = (e as CsvError & { lines?: number }).lines ?? recordLine;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new Error(`${file}:${recordLine}: a quoted field starting on this line is never closed; close the quote, or double a quote inside a field ("")`);
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return new Error(`${file}:${line}: malformed CSV quote; wrap a field that holds quotes in quotes and double the inner ones ("say ""hi""")`);
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return new Error(`${file}:${line}: wrong number of fields for the header (${oneLine(e.message)}); quote fields that contain the delimiter`);
    default:
      return new Error(`${file}:${line}: malformed CSV (${oneLine(e.message)})`);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
