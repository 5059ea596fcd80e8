/** Reading a JSON file (a config, a checkpoint's config.json) with one-line errors that name it. */
import { readFileSync } from 'node:fs';

export interface JsonFileOptions {
  /** What the file is, opening each message: 'config' gives "config runs/a.json is not valid JSON (...)". */
  what?: string;
  /** What to do when the file cannot be read (default: check the path). */
  unreadable?: string;
  /** What to do when it is not valid JSON (default: nothing added). */
  invalid?: string;
}

/**
 * The parsed contents of `file`, unvalidated: callers check the shape (zod) and name the file in
 * their own errors, e.g. parseTrainConfig(readJsonFile(file, { what: 'config' }), `config ${file}`).
 * Throws "<what> <file> cannot be read (ENOENT): check the path" or
 * "<what> <file> is not valid JSON (<parser message>)".
 */
export function readJsonFile(file: string, { what, unreadable = 'check the path', invalid }: JsonFileOptions = {}): unknown {
  const name = what ? `${what} ${file}` : file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`${name} cannot be read (${why}): ${unreadable}`, { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${name} is not valid JSON (${(err as Error).message})${invalid ? `: ${invalid}` : ''}`, { cause: err });
  }
}
