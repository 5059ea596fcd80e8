/**
 * Opening an early-exit classifier's blocks: from an exported folder (`onnx/<model>.exits/`
 * beside the model file, checksums verified by the folder's manifest) or built in memory from
 * a checkpoint; and writing them into an export.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import { createSession, type RuntimeOptions } from '../runtime/session.ts';
import { buildExitBlocks, EXIT_BLOCKS_MANIFEST, exitBlocksDir, type ExitBlocksManifest } from './early_exit_graphs.ts';
import type { ExportInput } from './encoder_graph.ts';
import type { ExitSessions } from './early_exit_runner.ts';
import { onnxFileEntry, openOnnxFile, type OnnxFileEntry } from './onnx_file.ts';

export interface OpenedExits extends ExitSessions {
  /** Bytes of every block file (0 when built in memory). */
  bytes: number;
  release(): Promise<void>;
}

function opened(sessions: ExitSessions, bytes: number): OpenedExits {
  return {
    ...sessions,
    bytes,
    release: async () => {
      for (const s of [sessions.embeddings, ...sessions.layers]) await s.release();
    },
  };
}

/** Whether the model file has early-exit blocks beside it. */
export const hasExitBlocks = (onnxFile: string) => existsSync(path.join(exitBlocksDir(onnxFile), EXIT_BLOCKS_MANIFEST));

/** The blocks exported beside `onnxFile`. */
export async function openExitBlocks(onnxFile: string, options: RuntimeOptions = {}): Promise<OpenedExits> {
  const dir = exitBlocksDir(onnxFile);
  if (!hasExitBlocks(onnxFile)) throw new Error(`${onnxFile} has no early-exit blocks (${dir}/${EXIT_BLOCKS_MANIFEST}): fine-tune with --early-exit and export that checkpoint, or leave out --exit-entropy and --exit-patience`);
  let manifest: ExitBlocksManifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(dir, EXIT_BLOCKS_MANIFEST), 'utf8')) as ExitBlocksManifest;
  } catch (err) {
    throw new Error(`${path.join(dir, EXIT_BLOCKS_MANIFEST)} is not valid JSON: export the model again`, { cause: err });
  }
  const [first, ...rest] = manifest.files.map((f) => path.join(dir, f));
  const embeddings = await openOnnxFile(first, { ...options, output: 'hidden_out' });
  const layers = [];
  for (const file of rest) layers.push(await openOnnxFile(file, { ...options, inputs: ['hidden', 'attention_mask'] }));
  const sessions = { embeddings: embeddings.session, layers: layers.map((l) => l.session), classes: manifest.labels, dModel: manifest.d_model };
  return opened(sessions, embeddings.bytes + layers.reduce((a, l) => a + l.bytes, 0));
}

/** The blocks of a model in memory (a checkpoint run by tltc predict). */
export async function exitBlocksInMemory(input: ExportInput, options: RuntimeOptions = {}): Promise<OpenedExits> {
  const sessions = [];
  for (const block of buildExitBlocks(input)) sessions.push(await createSession(serializeGraph(block.graph), options));
  const [embeddings, ...layers] = sessions;
  return opened({ embeddings, layers, classes: input.numLabels!, dModel: input.model.d_model }, 0);
}

/**
 * Writes the blocks of `input` for the model file `onnxFile` (relative to the export folder):
 * `<model>.exits/<block>.onnx` and exits.json; returns the files' manifest entries.
 */
export function writeExitBlocks(input: ExportInput, onnxFile: string, staging: string, write: (file: string, data: string | Uint8Array) => void): OnnxFileEntry[] {
  const dir = exitBlocksDir(onnxFile);
  const blocks = buildExitBlocks(input);
  const entries = blocks.map((b) => {
    const file = path.join(dir, `${b.name}.onnx`);
    const bytes = serializeGraph(b.graph);
    write(file, bytes);
    return onnxFileEntry(staging, path.join(staging, file), bytes);
  });
  const manifest: ExitBlocksManifest = { layers: input.model.n_layers, labels: input.numLabels!, d_model: input.model.d_model, files: blocks.map((b) => `${b.name}.onnx`) };
  write(path.join(dir, EXIT_BLOCKS_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return entries;
}
