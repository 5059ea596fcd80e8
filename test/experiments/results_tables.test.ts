import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { recipeTable } from '../../src/experiments/recipe_table.ts';
import { markdownTable } from '../../src/experiments/markdown_report.ts';
import { blockCommand, generatedTable, readGeneratedTables, rewriteGeneratedTables } from '../../src/experiments/generated_tables.ts';
import { tmpDir } from '../helpers/cli.ts';
import { validateSeq2SeqConfig } from '../../src/nn/seq2seq_config.ts';
import { ROOT } from '../helpers/cli.ts';

describe('docs/RESULTS.md', () => {
  for (const name of ['docs/RESULTS.md', 'docs/DISTRIBUTED.md']) {
    it(`every generated table of ${name} is what tltc report --markdown makes of the committed run files`, () => {
      const doc = readFileSync(path.join(ROOT, name), 'utf8');
      const blocks = readGeneratedTables(doc);
      assert.ok(blocks.length >= 1, `${name} has no generated table`);
      const opened = doc.match(/<!-- tltc report --markdown /g)!.length;
      assert.equal(blocks.length, opened, 'a generated table is empty or unclosed: run npx tsx scripts/experiments/regenerate-results.ts');
      for (const { block, table } of blocks) {
        assert.equal(table, generatedTable(ROOT, block), `the table of ${block.dir} differs from its files: regenerate it with ${blockCommand(block)}`);
      }
    });
  }

  it('rewriting fills an empty block without reaching into the next one, and replaces a filled block whole', () => {
    const close = '<!-- end of generated table -->';
    const doc = ['## A', '<!-- tltc report --markdown a -->', close, '', 'Text between.', '', '<!-- tltc report --markdown b --by-recipe -->', '| old |', close, '<!-- tltc report --markdown c --prediction p.json -->', close, 'End.'].join('\n');
    const make = (b: { dir: string; byRecipe: boolean; prediction?: string }) => `| ${b.dir}${b.byRecipe ? ' by recipe' : ''}${b.prediction ? ` against ${b.prediction}` : ''} |`;
    const { doc: next, changed } = rewriteGeneratedTables(doc, make);
    assert.equal(next, ['## A', '<!-- tltc report --markdown a -->', '| a |', close, '', 'Text between.', '', '<!-- tltc report --markdown b --by-recipe -->', '| b by recipe |', close, '<!-- tltc report --markdown c --prediction p.json -->', '| c against p.json |', close, 'End.'].join('\n'));
    assert.equal(changed, 3);
    assert.equal(rewriteGeneratedTables(next, make).changed, 0);
    assert.deepEqual(readGeneratedTables(next).map((t) => [blockCommand(t.block), t.table]), [['tltc report --markdown a', '| a |'], ['tltc report --markdown b --by-recipe', '| b by recipe |'], ['tltc report --markdown c --prediction p.json', '| c against p.json |']]);
  });

  it('the queue speed-up table lists each repetition in order, with the grid and the machine', () => {
    const root = tmpDir();
    const machine = { cpu: 'AMD EPYC', cpu_flags: ['avx2', 'fma'], cores: 2 };
    const write = (n: number, one: number, two: number) => writeFileSync(path.join(root, `speedup-${n}.json`), JSON.stringify({ grid: '4 runs', one_worker_2_threads_s: one, two_workers_1_thread_s: two, speedup: one / two, machine }));
    write(10, 90, 60);
    write(2, 100, 80);
    const table = markdownTable(root).split('\n');
    assert.equal(table[0], '| file | 1 worker x 2 threads (s) | 2 workers x 1 thread (s) | speed-up |');
    assert.equal(table[2], '| speedup-2.json | 100.0 | 80.0 | 1.25x |');
    assert.equal(table[3], '| speedup-10.json | 90.0 | 60.0 | 1.50x |');
    assert.match(table.at(-1)!, /^Grid: 4 runs\. Machine: AMD EPYC, 2 cores, avx2\/fma\./);
  });

  it('the recipe table groups runs by recipe, averages seeds and compares each recipe with the older one', () => {
    const root = tmpDir();
    const write = (name: string, d: number, recipe: { frac?: number; bias?: string; dropout: number; rule?: boolean }, ppl: number) => {
      const dir = path.join(root, name);
      mkdirSync(dir, { recursive: true });
      const optimizer = { lr: 1e-3, warmup_steps: recipe.frac ? 0 : 50, ...(recipe.frac ? { warmup_fraction: recipe.frac } : {}), lr_source: recipe.rule ? 'width rule' : 'config' };
      writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ model: { n_layers: 2, d_model: d, dropout: recipe.dropout }, config: { budget: '10steps', batch_size: 8, init: { output_bias: recipe.bias ?? 'zeros' } }, optimizer, seed: 0 }));
      writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ step: 10, wall_s: 1, val_ppl: ppl, unigram_val_ppl: 900 }));
      writeFileSync(path.join(dir, 'metrics.jsonl'), `${JSON.stringify({ val_ppl: 1000 })}\n`);
    };
    const current = { frac: 0.05, bias: 'unigram', dropout: 0, rule: true };
    write('old-a', 64, { dropout: 0.1 }, 800);
    write('old-b', 128, { dropout: 0.1 }, 1000);
    write('drop-a', 64, { dropout: 0 }, 760);
    for (const [seed, ppl] of [700, 720, 740].entries()) write(`new-a-s${seed}`, 64, current, ppl);
    const table = recipeTable(root).split('\n');
    assert.equal(table[0], '| recipe | L2-H64 final val ppl | L2-H128 final val ppl |');
    assert.equal(table[2], '| older recipe (rate 0.001, warm-up 50 steps, dropout 0.1, zero output bias) | 800.0 | 1,000.0 |');
    assert.equal(table[3], '| older + dropout 0 | 760.0 · −5.0% | - |');
    assert.equal(table[4], '| current recipe (all four) | 720.0 ± 20.0 (3 seeds) · −10.0% | - |');
    assert.equal(table.length, 5);
  });

  it('fine-tuning runs are grouped over seeds, with their baselines', () => {
    const root = tmpDir();
    const scores = (accuracy: number, classes = 2) => ({ accuracy, macro_f1: accuracy - 0.1, examples: 100, accuracy_95: [accuracy - 0.05, accuracy + 0.05], predicted_classes: classes });
    const write = (name: string, accuracy: number) => {
      mkdirSync(path.join(root, name), { recursive: true });
      const baselines = { test: { majority: scores(0.6, 1), bag_of_words: scores(0.9) } };
      writeFileSync(path.join(root, name, 'finetune.json'), JSON.stringify({ task: 'spam', model: 'L2-H64', steps: 50, test: scores(accuracy), baselines }));
    };
    write('L2-H64-s0-mean', 0.8);
    write('L2-H64-s1-mean', 0.84);
    write('L2-H64-first', 0.7);
    const table = markdownTable(root).split('\n');
    assert.equal(table[2], '| L2-H64-first | spam | L2-H64 | 50 | all | - | 70.0% [65.0, 75.0] | 0.600 | 2 | 100 | 60.0% | 90.0% |');
    assert.equal(table[3], '| L2-H64-mean | spam | L2-H64 | 50 | all | - | 82.0% ± 2.8 (2 seeds) | 0.720 | 2 | 100 | 60.0% | 90.0% |');
    assert.equal(table.length, 4);
  });

  it('translation runs get a compression table and a beam table from their eval files, with paired intervals and verdicts', () => {
    const root = tmpDir();
    const dir = path.join(root, 'E1-D1-H32-s0');
    mkdirSync(dir, { recursive: true });
    const model = validateSeq2SeqConfig({ vocab_size: 100, max_len: 16, d_model: 32, encoder_layers: 1, decoder_layers: 1, n_heads: 2, d_ff: 64 }, 'test');
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ model, config: { budget: '10m', task: 'translate-en-es' } }));
    writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ step: 100, wall_s: 600, tokens_per_s: 5000, val_ppl: 50, val_bleu: 5, val_chrf: 20 }));
    const onnx = (name: string, format: string, bleu: number, change?: [number, number, number]) =>
      writeFileSync(path.join(dir, `onnx-eval-${name}.json`), JSON.stringify({ format, pairs: 500, bytes: 2.5e6, bleu, bleu_95: [bleu - 1, bleu + 1], chrf: 25, latency_ms_per_sentence: 12.34, ...(change ? { bleu_change: change[0], bleu_change_95: [change[1], change[2]] } : {}) }));
    onnx('fp32', 'fp32', 8);
    onnx('int8', '_quantized', 7.9, [-0.1, -0.4, 0.2]);
    onnx('q4', '_q4', 6, [-2, -2.6, -1.4]);
    writeFileSync(path.join(dir, 'eval-validation-beam4.json'), JSON.stringify({ model: 'E1-D1-H32', pairs: 500, decoding: { beam: 4, length_penalty: 1 }, bleu: 9, greedy_bleu: 8, beam_minus_greedy_bleu: 1, beam_minus_greedy_bleu_95: [0.3, 1.7] }));
    const tables = markdownTable(root).split('\n\n').map((t) => t.split('\n'));
    assert.equal(tables.length, 3);
    assert.equal(tables[1][0], '| run | weights | MB | test BLEU (95% bootstrap) | change from fp32 (paired 95%) | test chrF | ms per sentence | pairs |');
    assert.deepEqual(tables[1].slice(2), [
      '| E1-D1-H32-s0 | fp32 | 2.50 | 8.00 (7.00 to 9.00) | (reference) | 25.0 | 12.3 | 500 |',
      '| E1-D1-H32-s0 | int8 | 2.50 | 7.90 (6.90 to 8.90) | -0.10 (-0.40 to 0.20): no difference | 25.0 | 12.3 | 500 |',
      '| E1-D1-H32-s0 | 4-bit | 2.50 | 6.00 (5.00 to 7.00) | -2.00 (-2.60 to -1.40): lower | 25.0 | 12.3 | 500 |',
    ]);
    assert.deepEqual(tables[2].slice(2), ['| E1-D1-H32-s0 | E1-D1-H32 | 4 (length exponent 1) | 8.00 | 9.00 | 1.00 (0.30 to 1.70): higher | 500 |']);
  });

  it("translation runs of several seeds get per-size summaries of compression and beam search, each larger size's BLEU change against the base's", () => {
    const root = tmpDir();
    const write = (d: number, seed: number, q4Change: number, beamGain: number) => {
      const dir = path.join(root, `E1-D1-H${d}-s${seed}`);
      mkdirSync(dir, { recursive: true });
      const model = validateSeq2SeqConfig({ vocab_size: 100, max_len: 16, d_model: d, encoder_layers: 1, decoder_layers: 1, n_heads: 2, d_ff: 2 * d }, 'test');
      writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ model, config: { budget: '10m', task: 'translate-en-es' } }));
      writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ step: 100, wall_s: 600, tokens_per_s: 5000, val_ppl: 50, val_bleu: 5, val_chrf: 20 }));
      const onnx = (name: string, format: string, bytes: number, change?: number) =>
        writeFileSync(path.join(dir, `onnx-eval-${name}.json`), JSON.stringify({ format, pairs: 500, bytes, bleu: 8 + (change ?? 0), chrf: 25, latency_ms_per_sentence: d / 2 + seed, ...(change === undefined ? {} : { bleu_change: change, bleu_change_95: [change - 0.3, change + 0.3] }) }));
      onnx('fp32', 'fp32', d * 1e5);
      onnx('q4', '_q4', d * 2e4, q4Change);
      const interval = [beamGain - 0.5, beamGain + 0.5];
      writeFileSync(path.join(dir, 'eval-validation-beam4.json'), JSON.stringify({ model: `E1-D1-H${d}`, pairs: 500, decoding: { beam: 4, length_penalty: 1 }, bleu: 8 + beamGain, greedy_bleu: 8, beam_minus_greedy_bleu: beamGain, beam_minus_greedy_bleu_95: interval }));
    };
    write(64, 0, -2, 1);
    write(64, 1, -2.2, 0.2);
    write(32, 0, -1, 0.1);
    write(32, 1, -1.2, -0.8);
    const tables = markdownTable(root).split('\n\n').map((t) => t.split('\n'));
    assert.equal(tables.length, 7, 'runs, sizes and the sentence below it, compression and its summary, beam and its summary');
    assert.equal(tables[4][0], "| model | weights | runs | MB | test BLEU | change from fp32 | change against E1-D1-H32's | ms per sentence |");
    assert.deepEqual(tables[4].slice(2), [
      '| E1-D1-H32 | fp32 | 2 | 3.20 | 8.00 ± 0.00 | (reference) | - | 16.5 ± 0.7 |',
      "| E1-D1-H32 | 4-bit | 2 | 0.64 | 6.90 ± 0.14 | -1.10 ± 0.14 | (base) | 16.5 ± 0.7 |",
      '| E1-D1-H64 | fp32 | 2 | 6.40 | 8.00 ± 0.00 | (reference) | - | 32.5 ± 0.7 |',
      '| E1-D1-H64 | 4-bit | 2 | 1.28 | 5.90 ± 0.14 | -2.10 ± 0.14 | -1.00 (threshold 0.28): lower | 32.5 ± 0.7 |',
    ]);
    assert.equal(tables[6][0], '| model | beam | runs | greedy validation BLEU | beam validation BLEU | beam - greedy | runs higher / no difference / lower (paired 95%) |');
    assert.deepEqual(tables[6].slice(2), ['| E1-D1-H32 | 4 | 2 | 8.00 ± 0.00 | 7.65 ± 0.64 | -0.35 ± 0.64 | 0 / 1 / 1 |', '| E1-D1-H64 | 4 | 2 | 8.00 ± 0.00 | 8.60 ± 0.57 | 0.60 ± 0.57 | 1 / 1 / 0 |']);
  });

  it('translation runs of several seeds get a sizes table: BLEU against wall-clock, each size against the best, each larger size against the smallest along the curves', () => {
    const root = tmpDir();
    const write = (d: number, seed: number, lr: number, bleus: number[], test: number) => {
      const dir = path.join(root, `E1-D1-H${d}-s${seed}`);
      mkdirSync(dir, { recursive: true });
      const model = validateSeq2SeqConfig({ vocab_size: 100, max_len: 16, d_model: d, encoder_layers: 1, decoder_layers: 1, n_heads: 2, d_ff: 2 * d }, 'test');
      writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ model, config: { budget: '4m', task: 'translate-en-es' }, optimizer: { lr } }));
      writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ step: 100, wall_s: 240, tokens_per_s: 5000, val_ppl: 50, val_bleu: bleus.at(-1), val_chrf: 20 }));
      const rows = bleus.map((val_bleu, i) => ({ step: (i + 1) * 25, wall_s: (i + 1) * 60, val_bleu }));
      writeFileSync(path.join(dir, 'metrics.jsonl'), `${[{ step: 1, wall_s: 1, loss: 9 }, ...rows].map((r) => JSON.stringify(r)).join('\n')}\n`);
      writeFileSync(path.join(dir, 'eval.json'), JSON.stringify({ bleu: test, chrf: 30, copy_source_bleu: 0.1, pairs: 500, decoding: 'greedy' }));
    };
    write(32, 0, 2e-3, [1, 2, 3, 4], 4);
    write(32, 1, 2e-3, [1, 2, 3, 6], 6);
    write(64, 0, 1e-3, [2, 4, 6, 8], 8);
    write(64, 1, 1e-3, [2, 4, 6, 8.2], 8.2);
    const tables = markdownTable(root).split('\n\n').map((t) => t.split('\n'));
    assert.equal(tables.length, 3);
    assert.equal(tables[1][0], '| model | seeds | peak lr | val BLEU at 1.0 min | val BLEU at 2.0 min | val BLEU at 3.0 min | val BLEU at 4.0 min | test BLEU | test BLEU against the best size |');
    assert.deepEqual(tables[1].slice(2), [
      '| E1-D1-H32 | 2 | 2.0e-3 | 1.00 ± 0.00 | 2.00 ± 0.00 | 3.00 ± 0.00 | 5.00 ± 1.41 | 5.00 ± 1.41 | -3.10 (threshold 2.01): lower |',
      '| E1-D1-H64 | 2 | 1.0e-3 | 2.00 ± 0.00 | 4.00 ± 0.00 | 6.00 ± 0.00 | 8.10 ± 0.14 | 8.10 ± 0.14 | (best) |',
    ]);
    const along = 'Along the curves (validation BLEU, seed means at each evaluation time of the larger size): ';
    assert.deepEqual(tables[2], [`${along}E1-D1-H64 is ahead of E1-D1-H32 at 4 of its 4 evaluations (the first at 1.0 min), test BLEU 3.10 against it (threshold 2.01): higher.`]);
    write(96, 0, 7e-4, [0.5, 1, 4, 1], 1);
    write(96, 5, 1.4e-3, [9, 9, 9, 9], 9); // another rate: a row of its own, not a third seed

    write(96, 1, 7e-4, [0.5, 1, 4, 5], 5);
    const [, withRates, withThree] = markdownTable(root).split('\n\n');
    assert.deepEqual(withRates.split('\n').slice(4).map((r) => r.split(' | ').slice(0, 3)), [['| E1-D1-H96', '2', '7.0e-4'], ['| E1-D1-H96', '1', '1.4e-3']]);
    assert.equal(withThree, `${along}E1-D1-H64 is ahead of E1-D1-H32 at 4 of its 4 evaluations (the first at 1.0 min), test BLEU 3.10 against it (threshold 2.01): higher; E1-D1-H96 at lr 7.0e-4 is ahead of E1-D1-H32 at 1 of its 4 evaluations (the first at 3.0 min), test BLEU -2.00 against it (threshold 4.47): no difference; E1-D1-H96 at lr 1.4e-3 is ahead of E1-D1-H32 at 4 of its 4 evaluations (the first at 1.0 min).`);
  });

  it('lottery tickets get a table by sparsity: each method over seeds, and the ticket against the random ticket and one-shot pruning', () => {
    const root = tmpDir();
    const write = (name: string, accuracy: number, kind: 'imp' | 'random' | 'oneshot' | 'dense', sparsity = 0) => {
      mkdirSync(path.join(root, name), { recursive: true });
      const ticket = kind === 'imp' || kind === 'random' ? { method: kind, rounds: kind === 'imp' ? [1, 2, 3, 4] : [1] } : undefined;
      const file = { task: 'spam', model: 'L2-H128', accuracy, fp32_accuracy: 0.9, examples: 604, sparsity, ...(kind === 'dense' ? {} : { prune: { sparsity } }), recovery: { steps: 300, ...(ticket ? { ticket } : {}) }, baselines: { majority: { accuracy: 0.669 }, bag_of_words: { accuracy: 0.983 } } };
      writeFileSync(path.join(root, name, 'compress.json'), JSON.stringify(file));
    };
    mkdirSync(path.join(root, 'finetuned'));
    writeFileSync(path.join(root, 'finetuned', 'finetune.json'), '{}');
    [0.91, 0.92].forEach((a, s) => write(`dense-s${s}`, a, 'dense'));
    [0.9, 0.92].forEach((a, s) => write(`imp-0.5-s${s}`, a, 'imp', 0.5));
    [0.8, 0.81].forEach((a, s) => write(`random-0.5-s${s}`, a, 'random', 0.5));
    [0.9, 0.93].forEach((a, s) => write(`oneshot-0.5-s${s}`, a, 'oneshot', 0.5));
    const table = markdownTable(root).split('\n');
    assert.equal(table[0], '| sparsity | imp rounds | lottery ticket (imp) | one-shot magnitude | random ticket | ticket − dense (points) | ticket − random (points) | ticket − one-shot (points) |');
    assert.equal(table[2], '| 0 (dense, trained as long as one round) | - | 91.5% ± 0.7 (2) | - | - | - | - | - |');
    assert.equal(table[3], '| 0.50 | 4 | 91.0% ± 1.4 (2) | 91.5% ± 2.1 (2) | 80.5% ± 0.7 (2) | -0.5 (threshold 2.2): no difference | 10.5 (threshold 2.2): higher | -0.5 (threshold 3.6): no difference |');
    assert.match(table.at(-1)!, /^L2-H128 on spam, 604 test examples; accuracy of the fine-tuned model before compression 90.0%, majority class 66.9%, bag of words 98.3%.$/);
  });
});
