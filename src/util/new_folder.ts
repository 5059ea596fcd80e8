/**
 * Creating a results folder all at once: its files are written (each fsynced) into a sibling
 * staging folder, which is renamed into place only when everything succeeded. An interrupted or
 * failed run leaves no half-written folder, and an existing non-empty folder is never touched.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from './atomic.ts';

/** Refuses `out` when it is a file or a folder that holds anything. */
export function assertNewFolder(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new Error(`--out ${out} is a file: choose a folder path`);
  if (readdirSync(out).length > 0) throw new Error(`--out ${out} already exists and is not empty: choose a new folder (nothing was written)`);
}

/** Runs `fill(write)`, where `write(relativePath, data)` writes into the staging folder, then moves it to `out`. */
export async function createFolder<T>(out: string, fill: (write: (file: string, data: string | Uint8Array) => void, staging: string) => T | Promise<T>): Promise<T> {
  assertNewFolder(out);
  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const result = await fill((file, data) => writeFileAtomic(path.join(staging, file), data), staging);
    if (existsSync(out)) rmSync(out, { recursive: true }); // empty, checked above
    mkdirSync(path.dirname(out), { recursive: true });
    renameSync(staging, out);
    fsyncDir(path.dirname(out));
    return result;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
