import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { expertRouting, modelName, parseModelName } from '../../src/nn/config.ts';
import { parseBudget } from '../../src/train/budget.ts';
import { parseTrainConfig, readTrainConfig, resolveModel } from '../../src/train/config.ts';
import { readJsonFile } from '../../src/util/json_file.ts';

describe('training config', () => {
  const example = JSON.parse(readFileSync(new URL('../../examples/l4-h256.json', import.meta.url), 'utf8'));

  it('the example config is valid and a second model size needs two numbers changed', () => {
    const base = resolveModel(parseTrainConfig(example, 'example'));
    assert.equal(modelName(base), 'L4-H256');
    assert.equal(base.n_heads, 4);
    assert.equal(base.d_ff, 1024);
    const bigger = resolveModel(parseTrainConfig({ ...example, model: { n_layers: 6, d_model: 384 } }, 'example'));
    assert.equal(modelName(bigger), 'L6-H384');
    assert.equal(bigger.n_heads, 6);
    assert.equal(bigger.d_ff, 1536);
  });

  it('names Switch models L{layers}-H{width}-E{experts} and refuses methods that cannot handle them', () => {
    const m = parseModelName('L4-H256-E8', { vocab_size: 512, max_len: 128 });
    assert.deepEqual([m.n_experts, m.d_ff, modelName(m)], [8, 1024, 'L4-H256-E8']);
    assert.deepEqual(expertRouting(m), { experts: 8, capacityFactor: 1.25, balanceWeight: 0.01 });
    assert.equal(expertRouting(parseModelName('L4-H256', { vocab_size: 512, max_len: 128 })), undefined);
    assert.throws(() => parseModelName('L4-H256-E1', { vocab_size: 512, max_len: 128 }), /n_experts: Too small: expected number to be >=2/);
    assert.throws(() => parseTrainConfig({ model: { n_layers: 2, d_model: 64, capacity_factor: 2 } }, 'cfg'), /n_experts: is needed for capacity_factor/);
    assert.throws(() => parseTrainConfig({ model: 'L2-H64-E4', earlybert: {} }, 'cfg'), /cfg: earlybert does not handle Switch expert layers/);
    assert.throws(() => parseTrainConfig({ model: 'L2-H64-E4', sparse: { method: 'rigl', sparsity: 0.5 } }, 'cfg'), /sparse training \(rigl\) does not handle Switch expert layers/);
  });

  it('parses budgets in time, steps and tokens', () => {
    assert.deepEqual(parseBudget('90s'), { kind: 'seconds', value: 90 });
    assert.deepEqual(parseBudget('10m'), { kind: 'seconds', value: 600 });
    assert.deepEqual(parseBudget('1.5h'), { kind: 'seconds', value: 5400 });
    assert.deepEqual(parseBudget('2000steps'), { kind: 'steps', value: 2000 });
    assert.deepEqual(parseBudget('5e6tokens'), { kind: 'tokens', value: 5e6 });
    assert.throws(() => parseBudget('1.5steps'), /whole number/);
  });

  it('a config file that is missing, malformed or invalid is refused with one line naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tltc-config-'));
    const write = (name: string, text: string) => (writeFileSync(path.join(dir, name), text), path.join(dir, name));
    const missing = path.join(dir, 'nope.json');
    assert.throws(() => readTrainConfig(missing), { message: `config ${missing} cannot be read (ENOENT): check the path` });
    assert.throws(() => readTrainConfig(write('bad.json', '{"model": ')), /^Error: config .*bad\.json is not valid JSON \(.+\)$/);
    assert.throws(() => readTrainConfig(write('wrong.json', '{"budget": 3}')), /^Error: config .*wrong\.json: model: /);
    const ok = write('ok.json', '[1, 2]');
    assert.deepEqual(readJsonFile(ok), [1, 2]);
    assert.throws(() => readJsonFile(write('cut.json', '{'), { invalid: 'write it again' }), /cut\.json is not valid JSON \(.+\): write it again$/);
    rmSync(dir, { recursive: true });
  });
});
