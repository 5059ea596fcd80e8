import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { modelName } from '../../src/nn/config.ts';
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
