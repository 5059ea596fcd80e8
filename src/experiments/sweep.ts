/**
 * `tltc sweep`: trains every run of a sweep file into <out>/runs/<id>, skipping runs that
 * completed and resuming runs that were interrupted, so running it again finishes only what is
 * missing. Writes <out>/sweep.json with each run's final numbers.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mlmParamSpecs, countParams } from '../nn/params.ts';
import { resolveModel, resolveSeq2SeqModel } from '../train/config.ts';
import { seq2seqParamSpecs } from '../nn/seq2seq_params.ts';
import { train, type MetricsRow } from '../train/trainer.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { expandSweep, type SweepConfig, type SweepRunSpec } from './sweep_config.ts';

export interface SweepRunResult {
  id: string;
  model: string;
  seed: number;
  batch_size: number;
  params: number;
  dir: string;
  status: 'trained' | 'skipped';
  final: MetricsRow & { checkpoint?: string };
  unigram_val_ppl?: number;
}

export interface SweepSummary {
  sweep: SweepConfig;
  runs: SweepRunResult[];
}

export const runDirOf = (outDir: string, id: string) => path.join(outDir, 'runs', id);

export async function runSweep(sweep: SweepConfig, outDir: string, options: { quiet?: boolean; log?: (line: string) => void } = {}): Promise<SweepSummary> {
  const runs = expandSweep(sweep);
  const results: SweepRunResult[] = [];
  const log = options.log ?? ((line: string) => options.quiet || process.stderr.write(`${line}\n`));
  for (const [i, run] of runs.entries()) {
    const dir = runDirOf(outDir, run.id);
    let status: SweepRunResult['status'] = 'skipped';
    if (!existsSync(path.join(dir, 'summary.json'))) {
      const resume = existsSync(path.join(dir, 'run.json'));
      log(`sweep ${i + 1}/${runs.length}: ${run.id}${resume ? ' (resuming)' : ''}`);
      await train(run.config, { outDir: dir, resume, quiet: options.quiet });
      status = 'trained';
    } else log(`sweep ${i + 1}/${runs.length}: ${run.id} already complete`);
    results.push(runResult(outDir, run, status));
    // Written after every run, so an interrupted sweep still leaves a valid summary of what finished.
    writeSweepSummary(sweep, outDir, results);
  }
  return { sweep, runs: results };
}

/** A finished run's line of sweep.json. */
function runResult(outDir: string, run: SweepRunSpec, status: SweepRunResult['status']): SweepRunResult {
  const dir = runDirOf(outDir, run.id);
  const params = countParams(run.config.task === undefined ? mlmParamSpecs(resolveModel(run.config)) : seq2seqParamSpecs(resolveSeq2SeqModel(run.config)));
  const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as MetricsRow & { checkpoint: string; unigram_val_ppl: number };
  return { id: run.id, model: run.model, seed: run.seed, batch_size: run.batchSize, params, dir, status, final: summary, unigram_val_ppl: summary.unigram_val_ppl };
}

/** sweep.json: the sweep and its finished runs, run folders relative to it so the folder can be moved or shipped as a whole. */
function writeSweepSummary(sweep: SweepConfig, outDir: string, results: readonly SweepRunResult[]): void {
  const portable = results.map((r) => {
    const { run: _absolute, ...final } = r.final as SweepRunResult['final'] & { run?: string };
    return { ...r, dir: path.relative(outDir, r.dir), final: { ...final, checkpoint: final.checkpoint && path.relative(outDir, final.checkpoint) } };
  });
  writeFileAtomic(path.join(outDir, 'sweep.json'), `${JSON.stringify({ sweep, runs: portable }, null, 2)}\n`);
}

/** Rewrites sweep.json from the run folders that finished (runs trained by queue workers, in the grid's order). */
export function rebuildSweepSummary(sweep: SweepConfig, outDir: string): SweepRunResult[] {
  const done = expandSweep(sweep).filter((run) => existsSync(path.join(runDirOf(outDir, run.id), 'summary.json')));
  const results = done.map((run) => runResult(outDir, run, 'trained'));
  writeSweepSummary(sweep, outDir, results);
  return results;
}

/** Each run's evaluation rows, in step order. */
export function readCurve(dir: string): MetricsRow[] {
  const file = path.join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricsRow);
}
