import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readCorpusPath } from '../../src/data/prepare.ts';
import { parseSweepConfig } from '../../src/experiments/sweep_config.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { runCli, tmpDir } from '../helpers/cli.ts';
import { seededRandom } from '../helpers/rng.ts';

const VALID = {
  model: { n_layers: 2, d_model: 64, n_heads: 2, d_ff: 128 },
  data: { corpus: 'default', vocab_size: 512, seq_len: 64, mask_prob: 0.15 },
  batch_size: 8,
  optimizer: { lr: 1e-3, betas: [0.9, 0.98], eps: 1e-6, weight_decay: 0.01, clip_norm: 1, warmup_steps: 10, schedule: 'linear', min_lr_ratio: 0.1 },
  budget: '10s',
  eval: { interval_s: 5, sequences: 16 },
  keep_checkpoints: 2,
  seed: 0,
  threads: 2,
};

type Json = unknown;
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** Paths of every leaf of VALID, with a value that is wrong for that leaf whatever the context. */
const LEAF_BREAKERS: Record<string, Json[]> = {
  'model.n_layers': [0, -2, 1.5, '2', null, [], 1000],
  'model.d_model': [0, -64, 7.5, '64', null, {}, 100000],
  'model.n_heads': [0, -1, 3, 5, 7, '2', 1000],
  'model.d_ff': [0, -1, 2.5, 'big', 10 ** 9],
  'model.n_experts': [1, 0, -2, 2.5, '8', 1000],
  'model.capacity_factor': [0, -1, 'high', 100],
  'model.load_balance_weight': [-0.1, 2, 'x'],
  'data.vocab_size': [0, 1, 100, 70000, -5, 'x', null],
  'data.seq_len': [0, 2, -1, 5000, 1.5, '64'],
  'data.mask_prob': [0, 1, -0.1, 2, '0.15', null],
  'data.corpus': ['', 5, null, []],
  batch_size: [0, -8, 1.5, 5000, '8', null],
  'optimizer.lr': [0, -1, 'Infinity', 'fast', null],
  'optimizer.betas': [[0.9], [1, 0.98], [0.9, -0.1], 'x', [0.9, 0.98, 0.999]],
  'optimizer.eps': [0, -1e-6, 'tiny'],
  'optimizer.weight_decay': [-0.1, 2, 'none'],
  'optimizer.clip_norm': [-1, 'yes'],
  'optimizer.warmup_steps': [-1, 1.5, '10'],
  'optimizer.schedule': ['exponential', 1, null],
  'optimizer.min_lr_ratio': [-0.5, 1.5],
  budget: ['0', '0s', '-5m', 'soon', '10', '1e', '5 parsecs', '', 12, null, '1.5steps'],
  'eval.interval_s': [0, -1, 'often'],
  'eval.sequences': [0, -16, 2.5],
  keep_checkpoints: [0, -1, 1.5],
  seed: [-1, 1.5, 'abc'],
  threads: [0, -2, 1000, 'all'],
  sparse: [
    'rigl',
    { method: 'dense', sparsity: 0.5 },
    { method: 'rigl' },
    { method: 'rigl', sparsity: 1 },
    { method: 'static', sparsity: -0.1 },
    { method: 'rigl', sparsity: 0.5, delta_t: 0 },
    { method: 'rigl', sparsity: 0.5, drop_fraction: 1 },
    { method: 'rigl', sparsity: 0.5, end: 0 },
    { method: 'rigl', sparsity: 0.5, distribution: 'normal' },
    { method: 'rigl', sparsity: 0.5, every: 10 },
  ],
  earlybert: ['on', { head_ratio: 1 }, { ffn_ratio: -0.1 }, { threshold: 0 }, { window: 0 }, { draw_every: 2.5 }, { max_search: 1.5 }, { weights: 'reset' }, { ticket: 'lottery' }, { lambda: -1 }],
};

function setPath(obj: Record<string, Json>, dotted: string, value: Json): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, Json>;
  o[keys[keys.length - 1]] = value;
}

function badConfigs(): [string, Json][] {
  const cases: [string, Json][] = [];
  for (const [leaf, values] of Object.entries(LEAF_BREAKERS)) {
    for (const v of values) {
      const c = clone(VALID) as Record<string, Json>;
      setPath(c, leaf, v);
      cases.push([`${leaf} = ${JSON.stringify(v)}`, c]);
    }
  }
  for (const section of ['', 'model.', 'data.', 'optimizer.', 'eval.']) {
    for (const key of ['learning_rate', 'nlayers', 'Budget', '__proto__x', 'extra']) {
      const c = clone(VALID) as Record<string, Json>;
      setPath(c, `${section}${key}`, 1);
      cases.push([`unknown key ${section}${key}`, c]);
    }
  }
  for (const root of [null, 42, 'L4-H256', [], [VALID], true]) cases.push([`root ${JSON.stringify(root)}`, root]);
  for (const missing of ['model', 'model.n_layers', 'model.d_model']) {
    const c = clone(VALID) as Record<string, Json>;
    const keys = missing.split('.');
    if (keys.length === 1) delete c[keys[0]];
    else delete (c[keys[0]] as Record<string, Json>)[keys[1]];
    cases.push([`missing ${missing}`, c]);
  }
  for (const name of ['L4', 'H256', 'L-H', 'L0-H64', 'L2-H0', 'l4-h256', 'L4-H256-A3', 'L2-H64-F0', 'L2-H64-E1', 'L2-H64-E0', 'L2-H64-E8-F256', 'L4-H256 ', '']) {
    cases.push([`model name ${JSON.stringify(name)}`, { ...clone(VALID), model: name }]);
  }
  // Random combinations of two breakers.
  const rand = seededRandom(2026);
  const leaves = Object.entries(LEAF_BREAKERS);
  for (let i = 0; i < 200; i++) {
    const c = clone(VALID) as Record<string, Json>;
    const picks = [leaves[Math.floor(rand() * leaves.length)], leaves[Math.floor(rand() * leaves.length)]];
    for (const [leaf, values] of picks) setPath(c, leaf, values[Math.floor(rand() * values.length)]);
    cases.push([`combination ${i}`, c]);
  }
  return cases;
}

/** Bad sweep files: sweep-level breakers, plus every bad training config whose fault lies in what a sweep's `base` holds. */
function badSweeps(): [string, Json][] {
  const { model: _m, budget: _b, seed: _s, ...base } = clone(VALID);
  const valid = { models: ['L1-H64'], seeds: [0], budget: '10s', base };
  const breakers: Record<string, Json[]> = {
    models: [[], 'L1-H64', [5], ['L0-H64'], ['L1-H0'], ['L2-H100-A3'], ['L2-H64-A0'], ['X'], null, Array(65).fill('L1-H64')],
    seeds: [[], [-1], [1.5], 'all', null, ['0']],
    budget: ['0s', '-5m', 'forever', 5, '', '10 parsecs'],
    batch_sizes: [[], [0], [-1], ['8'], 5, [1.5]],
    lr_scaling: ['cubic', 1, null],
    learning_rates: [[], { 'L1-H64': 0 }, { 'L1-H64': '1e-3' }, { 'L9-H64': 1e-3 }, null],
    budgets: [[], { 'L1-H64': 'later' }, { 'L1-H64': 5 }, { 'L9-H64': '1m' }, null],
    target_ppl: [0, -1, 'low', 1],
    base: [null, 'x', [], { model: 'L1-H64' }, { budget: '1m' }, { seed: 1 }],
  };
  const cases: [string, Json][] = [];
  for (const [key, values] of Object.entries(breakers)) for (const v of values) cases.push([`${key}=${JSON.stringify(v)}`, { ...clone(valid), [key]: v }]);
  cases.push(['unknown key', { ...clone(valid), colour: 'red' }]);
  for (const [name, raw] of badConfigs()) {
    const r = raw as Record<string, unknown>;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) continue;
    if (JSON.stringify(r.model) !== JSON.stringify(VALID.model) || r.budget !== VALID.budget || r.seed !== VALID.seed) continue;
    const { model: _mm, budget: _bb, seed: _ss, ...rest } = r;
    cases.push([`base: ${name}`, { ...clone(valid), base: rest }]);
  }
  return cases;
}

/** Every case must throw an Error whose message is one line starting with `where: `. */
function assertAllRefused(cases: readonly [string, Json][], parse: (raw: unknown, where: string) => unknown, where: string): void {
  for (const [name, raw] of cases) {
    let message = '';
    try {
      parse(raw, where);
    } catch (err) {
      assert.ok(err instanceof Error, `${name}: threw a non-Error`);
      message = err.message;
    }
    assert.ok(message.length > 0, `${name} was accepted`);
    assert.ok(!message.includes('\n'), `${name}: message spans lines: ${message}`);
    assert.ok(message.startsWith(`${where}: `), `${name}: ${message}`);
  }
}

describe('bad input fuzzing', () => {
  it('bad sweep files each get a one-line error naming the file', () => {
    const { model: _m, budget: _b, seed: _s, ...base } = clone(VALID);
    assert.doesNotThrow(() => parseSweepConfig({ models: ['L1-H64'], seeds: [0], budget: '10s', base }, 'sweep'));
    const cases = badSweeps();
    assert.ok(cases.length >= 150, `${cases.length} cases`);
    assertAllRefused(cases, parseSweepConfig, 'sweep fuzz.json');
    console.log(`# reliability: bad sweep files refused ${cases.length}`);
  });

  it('the valid base config is accepted (so each case fails for its own mutation)', () => {
    assert.doesNotThrow(() => parseTrainConfig(clone(VALID), 'config'));
  });

  it('300+ bad configs each get a one-line error naming the config', () => {
    const cases = badConfigs();
    assert.ok(cases.length >= 300, `${cases.length} cases`);
    assertAllRefused(cases, parseTrainConfig, 'config fuzz.json');
    console.log(`# reliability: bad configs refused ${cases.length}`);
  });

  it('bad corpora are refused with one line, and a one-line corpus of 2 MB is read without hanging', () => {
    const dir = tmpDir();
    const file = (name: string, data: string | Uint8Array) => {
      const p = path.join(dir, name);
      writeFileSync(p, data);
      return p;
    };
    mkdirSync(path.join(dir, 'empty-folder'));
    const bad: [string, string, RegExp][] = [
      ['empty file', file('empty.txt', ''), /less than 1000 characters/],
      ['whitespace only', file('ws.txt', ' \n\t\n'.repeat(500)), /less than 1000 characters/],
      ['binary', file('bin.txt', new Uint8Array(4096).map((_, i) => i % 256)), /not valid UTF-8|looks binary/],
      ['NUL bytes', file('nul.txt', 'text\u0000'.repeat(400)), /looks binary/],
      ['latin-1', file('latin1.txt', new Uint8Array(3000).fill(0xe9)), /not valid UTF-8/],
      ['folder without .txt', path.join(dir, 'empty-folder'), /has no \.txt files/],
      ['missing path', path.join(dir, 'nope'), /does not exist/],
    ];
    for (const [name, p, pattern] of bad) {
      assert.throws(() => readCorpusPath(p), (err: Error) => pattern.test(err.message) && !err.message.includes('\n'), name);
    }
    const t0 = performance.now();
    const docs = readCorpusPath(file('oneline.txt', 'word '.repeat(400_000)));
    assert.ok(docs.length === 1 && performance.now() - t0 < 5000);
    console.log(`# reliability: bad corpora refused ${bad.length}`);
  });

  it('bad command lines get one line and a non-zero exit, and leave no run folder behind', () => {
    const dir = tmpDir();
    const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
    const out = path.join(dir, 'out');
    const lines: string[][] = [
      ['train', '--model', 'L1-H32', '--budget', '0', '--out', out],
      ['train', '--model', 'L1-H32', '--budget', '-3m', '--out', out],
      ['train', '--model', 'L0-H32', '--out', out],
      ['train', '--model', 'L1-H32', '--threads', '0', '--out', out],
      ['train', '--model', 'L1-H32', '--seed', '-4', '--out', out],
      ['train', '--model', 'L1-H32', '--lr', 'fast', '--out', out],
      ['train', '--model', 'L1-H32', '--batch-size', '2.5', '--out', out],
      ['train', '--model', 'L1-H32', '--eval-interval', '0', '--out', out],
      ['train', '--model', 'L1-H32', '--corpus', path.join(dir, 'none.txt'), '--out', out],
      ['train', '--model', 'L1-H32', '--out', out, 'extra-argument'],
      ['train', '--model'],
      ['train', '--config'],
      ['train', '--config', dir, '--out', out],
      ['train', '--model', 'L1-H32', '--budget', '5parsecs', '--out', out],
      ['train', '--model', 'L1-H32', '--sparsity', '0.8', '--out', out],
      ['train', '--model', 'L1-H32', '--method', 'rigl', '--out', out],
      ['train', '--model', 'L1-H32', '--method', 'rigl', '--sparsity', '1', '--out', out],
      ['train', '--model', 'L1-H32', '--method', 'sparse', '--sparsity', '0.5', '--out', out],
      ['train', '--model', 'L1-H32', '--method', 'earlybert', '--sparsity', '0.5', '--out', out],
      ['train', '--model', 'E1-D1-H32', '--task', 'translate-en-es', '--method', 'static', '--sparsity', '0.5', '--out', out],
      ['eval'],
      ['eval', '--checkpoint', dir],
      ['eval', '--checkpoint', path.join(dir, 'missing')],
      ['eval', '--checkpoint', dir, '--sequences', '0'],
      ['bench'],
      ['bench', '--spec', path.join(dir, 'missing.json')],
      ['bench', '--spec', dir],
      ['bench', '--spec', path.join(dir, 'x'), '--seconds', '-1'],
      ['--no-such-flag'],
      ['trian'],
    ];
    for (const args of lines) {
      const r = runCli(args, env, 60_000);
      const label = args.join(' ');
      assert.notEqual(r.code, 0, `${label} exited 0`);
      const errLines = r.stderr.trim().split('\n');
      assert.equal(errLines.length, 1, `${label}: ${r.stderr}`);
      assert.match(errLines[0], /^tltc: /, label);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${label}: stack trace`);
      assert.ok(!existsSync(out), `${label} left ${out} behind`);
    }
    console.log(`# reliability: bad command lines refused ${lines.length}`);
  });
});
