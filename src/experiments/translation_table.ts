/**
 * `tltc report --markdown DIR` on translation runs: one row per run, read from its run.json,
 * summary.json and (when `tltc eval --checkpoint RUN --out RUN/eval.json` scored it) eval.json:
 * the size, the training it got, the validation scores at the end, and the test books' BLEU (with
 * its bootstrap interval over sentences) and chrF beside the copy-the-source baseline.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { countParams } from '../nn/params.ts';
import { seq2seqName, type Seq2SeqConfig } from '../nn/seq2seq_config.ts';
import { seq2seqParamSpecs } from '../nn/seq2seq_params.ts';
import { completedRuns, fixed, markdownGrid } from './run_table.ts';

interface TranslationRunFiles {
  run: { model: Seq2SeqConfig; config: { budget: string; task: string }; optimizer?: { lr: number }; evaluation?: { copy_source_bleu: number } };
  summary: { step: number; wall_s: number; tokens_per_s: number; val_ppl: number; val_bleu: number; val_chrf: number };
  test?: { bleu: number; bleu_95?: [number, number]; chrf: number; copy_source_bleu: number; pairs: number; decoding: unknown };
}

/** True when the runs under `root` are translation runs (their run.json names a task). */
export function isTranslationRun(dir: string): boolean {
  return typeof JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')).config?.task === 'string';
}

function readTranslationRun(dir: string): TranslationRunFiles {
  const json = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  return { run: json('run.json'), summary: json('summary.json'), ...(existsSync(path.join(dir, 'eval.json')) ? { test: json('eval.json') } : {}) };
}

const decodingOf = (d: unknown) => (typeof d === 'string' ? d : d && typeof d === 'object' && 'beam' in d ? `beam ${(d as { beam: number }).beam}` : '-');

export function translationTable(root: string): string {
  const dirs = completedRuns(root);
  const header = ['run', 'model', 'params', 'task', 'budget', 'peak lr', 'steps', 'train s', 'tokens/s', 'val ppl', 'val BLEU', 'val chrF', 'test BLEU (95% bootstrap)', 'test chrF', 'decoding', 'copy-source test BLEU'];
  const rows = dirs.map((dir) => {
    const { run, summary: s, test } = readTranslationRun(dir);
    return [
      path.relative(path.resolve(root), dir) || '.',
      seq2seqName(run.model),
      `${fixed(countParams(seq2seqParamSpecs(run.model)) / 1e6, 2)}M`,
      run.config.task,
      run.config.budget,
      run.optimizer ? run.optimizer.lr.toExponential(1) : '-',
      fixed(s.step, 0),
      fixed(s.wall_s, 0),
      fixed(s.tokens_per_s, 0),
      fixed(s.val_ppl, 1),
      fixed(s.val_bleu, 2),
      fixed(s.val_chrf, 1),
      test ? `${fixed(test.bleu, 2)}${test.bleu_95 ? ` (${fixed(test.bleu_95[0], 2)}-${fixed(test.bleu_95[1], 2)})` : ''}` : '-',
      test ? fixed(test.chrf, 1) : '-',
      test ? decodingOf(test.decoding) : '-',
      test ? fixed(test.copy_source_bleu, 2) : '-',
    ];
  });
  return markdownGrid(header, rows);
}
