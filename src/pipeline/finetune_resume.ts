/**
 * Fine-tuning that survives SIGKILL: while it trains, snapshots (weights before any (IA)^3
 * merge, Adam moments, counters) go to OUT/resume/checkpoints/, away from the run's own
 * checkpoints so nothing mistakes a half-trained model for the result; `--resume` continues from
 * the newest one. The data order and dropout masks are functions of (seed, step), so the resumed
 * run ends bit-identical to one never interrupted. The snapshots go once finetune.json is written.
 */
import { isDeepStrictEqual } from 'node:util';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Parameter } from '../nn/params.ts';
import { listCheckpoints, loadCheckpoint, type Checkpoint } from '../train/checkpoint.ts';
import type { TrainingState } from '../train/classifier_training.ts';

const SNAPSHOTS = 'resume';

/** Where the snapshots of a fine-tuning in `outDir` go (a run folder of their own). */
export const snapshotDir = (outDir: string): string => path.join(outDir, SNAPSHOTS);

/**
 * The snapshot to continue from, or null to start afresh. Without `resume`, a folder holding
 * snapshots is refused (its run was interrupted); with it, the snapshot must come from the same
 * settings (`key`), else the resumed run would not be the run that was asked for.
 */
export function findSnapshot(outDir: string, key: Record<string, unknown>, resume: boolean, modelType: 'tltc-classifier' | 'tltc-cmow' = 'tltc-classifier'): Checkpoint | null {
  const snapshots = listCheckpoints(snapshotDir(outDir));
  if (!resume) {
    if (snapshots.length > 0) throw new Error(`${outDir} holds an interrupted fine-tuning: add --resume to continue it, or choose another --out`);
    return null;
  }
  if (snapshots.length === 0) {
    process.stderr.write(`no fine-tuning snapshot in ${outDir}: starting from the beginning\n`);
    return null;
  }
  const ck = loadCheckpoint(snapshots.at(-1)!, true, modelType);
  const saved = (ck.config.train as { resume_key?: Record<string, unknown> }).resume_key ?? {};
  const differing = Object.keys({ ...saved, ...key }).filter((k) => !isDeepStrictEqual(saved[k], key[k]));
  if (differing.length > 0) throw new Error(`${outDir} was fine-tuned with other settings (${differing.map((k) => `${k}: ${JSON.stringify(saved[k])} then, ${JSON.stringify(key[k])} now`).join('; ')}): rerun with the same flags to resume, or choose another --out`);
  return ck;
}

/** The snapshot's weights put into `params` (the run's own list, in its order), and its counters and moments. */
export function stateFrom(ck: Checkpoint, params: readonly Parameter[]): TrainingState {
  const { m, v } = ck.moments!;
  const tensor = (map: Map<string, Float32Array>, name: string, what: string) => {
    const t = map.get(name);
    if (!t) throw new Error(`${ck.dir} has no ${what} for ${name}: it is not a snapshot of this fine-tuning`);
    return t;
  };
  for (const p of params) p.data = tensor(ck.params, p.spec.name, 'weights');
  const { step, train_s, tokens } = ck.config.state;
  return { steps: step, trainS: train_s, tokens, m: params.map((p) => tensor(m, p.spec.name, 'moments')), v: params.map((p) => tensor(v, p.spec.name, 'moments')) };
}

/** Removes the snapshots once the run's result is written. */
export function dropSnapshots(outDir: string): void {
  rmSync(snapshotDir(outDir), { recursive: true, force: true });
}
