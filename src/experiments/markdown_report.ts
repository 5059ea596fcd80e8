/**
 * `tltc report --markdown DIR [--by-recipe]`: the table of whatever runs DIR holds, training runs
 * (run_table.ts, or recipe_table.ts by recipe), translation runs (translation_table.ts, then
 * translation_sizes_table.ts's and translation_compression_table.ts's where they apply),
 * lottery tickets beside their controls (ticket_table.ts), grids of compressed models
 * (compression_table.ts), sentence-encoder distillations (sentence_table.ts), queue speed-ups
 * (queue_speedup_table.ts), early-exit curves (early_exit_table.ts), part-of-speech taggers (tagger_table.ts), pretraining methods against dense
 * training (method_table.ts) or fine-tuning runs (finetune_table.ts, and earlybert_finetune_table.ts
 * where some used --method earlybert); with --prediction, long runs against the plan that
 * predicted them (crossover_outcome.ts).
 */
import { compressionTable, hasCompressionGrid } from './compression_table.ts';
import { crossoverOutcome } from './crossover_outcome.ts';
import { exitTable, hasExitCurves } from './early_exit_table.ts';
import { hasTaggers, taggerTable } from './tagger_table.ts';
import { finetuneTable, findFinetunes } from './finetune_table.ts';
import { earlyBertFinetuneTable, hasEarlyBertFinetunes } from './earlybert_finetune_table.ts';
import { hasMethods, methodTable } from './method_table.ts';
import { recipeTable } from './recipe_table.ts';
import { hasSentenceDistills, sentenceTable } from './sentence_table.ts';
import { hasQueueSpeedups, queueSpeedupTable } from './queue_speedup_table.ts';
import { findRuns, runTable } from './run_table.ts';
import { beamSearchBySize, beamSearchTable, translationCompressionBySize, translationCompressionTable } from './translation_compression_table.ts';
import { translationSizesTable } from './translation_sizes_table.ts';
import { hasTickets, ticketTable } from './ticket_table.ts';
import { isTranslationRun, translationTable } from './translation_table.ts';
import path from 'node:path';
import { existsSync } from 'node:fs';

export function markdownTable(root: string, options: { byRecipe?: boolean; prediction?: string } = {}): string {
  if (options.prediction) return crossoverOutcome(root, options.prediction);
  if (!existsSync(root)) throw new Error(`${root} does not exist: pass a folder of training or fine-tuning runs`);
  const resolved = path.resolve(root);
  if (hasMethods(resolved)) return methodTable(root);
  if (findRuns(resolved).length === 0) {
    if (hasTickets(resolved)) return ticketTable(root);
    if (hasCompressionGrid(resolved)) return compressionTable(root);
    if (hasSentenceDistills(resolved)) return sentenceTable(root);
    if (hasQueueSpeedups(resolved)) return queueSpeedupTable(root);
    if (hasExitCurves(resolved)) return exitTable(root);
    if (hasTaggers(resolved)) return taggerTable(root);
    if (findFinetunes(resolved).length > 0) return hasEarlyBertFinetunes(resolved) ? `${finetuneTable(root)}\n\n${earlyBertFinetuneTable(root)}` : finetuneTable(root);
    throw new Error(`${root} holds no completed run: neither a training run (run.json and summary.json) nor a fine-tuning run (finetune.json)`);
  }
  if (isTranslationRun(findRuns(resolved)[0])) return [translationTable(root), translationSizesTable(root), translationCompressionTable(root), translationCompressionBySize(root), beamSearchTable(root), beamSearchBySize(root)].filter((t) => t !== null).join('\n\n');
  return options.byRecipe ? recipeTable(root) : runTable(root);
}
