import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, tmpDir } from '../helpers/cli.ts';

const dir = tmpDir();
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };

// Each bad input must give one line on stderr, naming what is wrong, and exit 1.
const cases: [string, string[], RegExp][] = [
  ['no model or config', ['train'], /needs --config FILE or --model NAME/],
  ['malformed JSON', ['train', '--config', file('bad.json', '{"model": ')], /is not valid JSON/],
  ['missing config', ['train', '--config', path.join(dir, 'nope.json')], /cannot be read/],
  ['unknown key', ['train', '--config', file('unknown.json', '{"model":"L2-H64","learning_rate":1}')], /Unrecognized key.*learning_rate/i],
  ['heads not dividing width', ['train', '--config', file('heads.json', '{"model":{"n_layers":2,"d_model":100,"n_heads":3}}')], /n_heads 3 must divide d_model 100/],
  ['negative layers', ['train', '--config', file('neg.json', '{"model":{"n_layers":-2,"d_model":64}}')], /model: n_layers/],
  ['bad model name', ['train', '--model', 'big'], /model name "big" is not of the form/],
  ['budget 0', ['train', '--model', 'L1-H64', '--budget', '0s'], /budget "0s" must be positive/],
  ['budget garbage', ['train', '--model', 'L1-H64', '--budget', 'soon'], /budget "soon" is not understood/],
  ['missing corpus', ['train', '--model', 'L1-H64', '--corpus', path.join(dir, 'missing.txt'), '--out', path.join(dir, 'r1')], /corpus .* does not exist/],
  ['empty corpus', ['train', '--model', 'L1-H64', '--corpus', file('empty.txt', ''), '--out', path.join(dir, 'r2')], /less than 1000 characters/],
  ['binary corpus', ['train', '--model', 'L1-H64', '--corpus', file('bin.txt', '\u0000\u0001'.repeat(800)), '--out', path.join(dir, 'r3')], /looks binary/],
  ['bad threads', ['train', '--model', 'L1-H64', '--threads', '-1'], /--threads must be a positive whole number/],
  ['unknown option', ['train', '--modle', 'L1-H64'], /unknown option '--modle'/],
  ['unknown command', ['fly'], /unknown command 'fly'/],
  ['warm-up of the whole budget', ['train', '--config', file('warm.json', '{"model":"L1-H64","optimizer":{"warmup":"100%"}}')], /optimizer.warmup 100% must be under 100% of the budget/],
  ['report of a missing folder', ['report', '--markdown', path.join(dir, 'no-runs')], /no-runs does not exist: pass a folder of training or fine-tuning runs/],
  ['report of a folder without runs', ['report', '--markdown', dir], /holds no completed run/],
  ['fine-tuning budget of 0 epochs', ['finetune', '--checkpoint', path.join(dir, 'none'), '--out', path.join(dir, 'f0'), '--budget', '0epochs'], /budget "0epochs" must be positive/],
  ['eval of a missing checkpoint', ['eval', '--checkpoint', path.join(dir, 'none')], /checkpoint .* does not exist/],
  ['bench spec with a wrong field', ['bench', '--spec', file('spec.json', '{"name":"x"}')], /bench spec .*: model/],
  ['eval with neither --checkpoint nor --onnx', ['eval'], /pass either --checkpoint .* or --onnx/],
  ['eval of a missing ONNX file', ['eval', '--onnx', path.join(dir, 'none.onnx')], /none\.onnx does not exist/],
  ['compress to N:M with N > M', ['compress', '--checkpoint', path.join(dir, 'none'), '--quant', 'nm4:2', '--out', path.join(dir, 'c1')], /N:M pattern 4:2: N must be less than M/],
  ['compress to N:M values of 8 bits', ['compress', '--checkpoint', path.join(dir, 'none'), '--quant', 'nm2:4:q8', '--out', path.join(dir, 'c2')], /N:M values take 2 to 7 bits/],
  ['compress to 5 binary planes', ['compress', '--checkpoint', path.join(dir, 'none'), '--quant', 'bcq5', '--out', path.join(dir, 'c3')], /q \(binary planes\) must be 1 to 4/],
  ['compress to 9 bits', ['compress', '--checkpoint', path.join(dir, 'none'), '--quant', '9', '--out', path.join(dir, 'c4')], /bits must be from 2 to 8/],
  ['compress search without a budget', ['compress', '--checkpoint', path.join(dir, 'none'), '--quant', 'search', '--out', path.join(dir, 'c5')], /--quant search needs --max-bytes SIZE/],
  ['compress budget without search', ['compress', '--checkpoint', path.join(dir, 'none'), '--max-bytes', '1MB', '--out', path.join(dir, 'c6')], /--max-bytes sets the budget of --quant search/],
  ['compress budget not a size', ['compress', '--checkpoint', path.join(dir, 'none'), '--quant', 'search', '--max-bytes', 'lots', '--out', path.join(dir, 'c7')], /--max-bytes "lots" is not a size/],
  ['export of a missing checkpoint', ['export', '--checkpoint', path.join(dir, 'none'), '--out', path.join(dir, 'e1')], /checkpoint .* does not exist/],
  ['export in an unknown weight format', ['export', '--checkpoint', path.join(dir, 'none'), '--out', path.join(dir, 'e2'), '--quant', '9'], /--quant "9": bits must be from 2 to 8/],
  ['export with an empty format list', ['export', '--checkpoint', path.join(dir, 'none'), '--out', path.join(dir, 'e3'), '--quant', ' '], /--quant lists no format/],
  ['import in an unknown weight format', ['import', '--out', path.join(dir, 'i1'), '--quant', 'bogus'], /--quant "bogus" is not understood/],
  ['import with 0 passages', ['import', '--out', path.join(dir, 'i2'), '--passages', '0'], /--passages must be a positive whole number/],
  ['export in an unknown folder layout', ['export', '--checkpoint', path.join(dir, 'none'), '--out', path.join(dir, 'e4'), '--format', 'tf'], /--format tf is not known: use transformersjs, hf/],
  ['export --format hf of a missing checkpoint', ['export', '--checkpoint', path.join(dir, 'none'), '--out', path.join(dir, 'e5'), '--format', 'hf'], /checkpoint .* does not exist/],
  ['import from a path that is neither a folder nor the package', ['import', '--from', path.join(dir, 'no-such-model'), '--out', path.join(dir, 'i3')], /is neither a folder nor @energetic-ai\/model-embeddings-en/],
  ['import from a folder without config.json', ['import', '--from', dir, '--out', path.join(dir, 'i4')], /config\.json is missing: a Hugging Face model folder holds config\.json, model\.safetensors and tokenizer\.json/],
  ['downstream without a sweep', ['downstream', '--sweep', path.join(dir, 'none'), '--out', path.join(dir, 'd1')], /sweep\.json does not exist/],
  ['downstream with a bad learning rate', ['downstream', '--sweep', path.join(dir, 'none'), '--out', path.join(dir, 'd2'), '--finetune-lr', '-1'], /--finetune-lr must be a positive number/],
  ['downstream with an unknown task', ['downstream', '--sweep', path.join(dir, 'none'), '--out', path.join(dir, 'd3'), '--task', 'bogus'], /unknown task "bogus"/],
];

describe('bad input gets a one-line error and exit 1', () => {
  for (const [name, args, pattern] of cases) {
    it(name, () => {
      const r = runCli(args, env, 60_000);
      assert.equal(r.code, 1, `exit code for ${name}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
      assert.match(lines[0], /^tltc: /);
      assert.match(lines[0], pattern);
      assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
    });
  }
});
