import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadTask } from '../../src/data/tasks.ts';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { mobyCorpus, runCli, tmpDir } from '../helpers/cli.ts';

const dir = tmpDir();
const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };

type Damage = [string, (file: string) => void];
const DAMAGES: Damage[] = [
  ['truncated', (f) => truncateSync(f, Math.floor(readFileSync(f).length / 2))],
  ['zero-length', (f) => truncateSync(f, 0)],
  [
    'bit-flipped',
    (f) => {
      const b = readFileSync(f);
      const at = Math.floor(b.length * 0.7);
      b[at] ^= 0x10; // one bit, well inside the data (or the JSON text)
      writeFileSync(f, b);
    },
  ],
];
const FILES = ['model.safetensors', 'optimizer.safetensors', 'config.json', 'tokenizer.json'];

describe('corruption is detected', () => {
  const cfgFile = path.join(dir, 'train.json');
  writeFileSync(
    cfgFile,
    JSON.stringify({
      model: { n_layers: 1, d_model: 32, n_heads: 2 },
      data: { corpus: mobyCorpus(dir, 4), vocab_size: 400, seq_len: 32 },
      batch_size: 8,
      budget: '20steps',
      eval: { sequences: 8 },
      threads: 2,
    }),
  );
  const run = path.join(dir, 'run');
  const setup = runCli(['train', '--config', cfgFile, '--out', run, '--quiet'], env);
  assert.equal(setup.code, 0, setup.stderr);
  const good = path.join(run, 'checkpoints', readdirSync(path.join(run, 'checkpoints')).sort().at(-1)!);

  let detected = 0;
  for (const file of FILES) {
    for (const [how, damage] of DAMAGES) {
      it(`${how} ${file} is refused with one line naming the file`, () => {
        const copy = path.join(dir, `${file}-${how}`, 'checkpoints', 'step-00000020');
        cpSync(good, copy, { recursive: true });
        copyFileSync(cfgFile, path.join(dir, `${file}-${how}`, 'train.json'));
        damage(path.join(copy, file));
        // Resuming needs every file, evaluation too (the optimizer state is checked on resume).
        const args =
          file === 'optimizer.safetensors'
            ? ['train', '--config', cfgFile, '--out', path.dirname(path.dirname(copy)), '--resume', '--budget', '40steps', '--quiet']
            : ['eval', '--checkpoint', copy];
        writeFileSync(path.join(path.dirname(path.dirname(copy)), 'run.json'), '{}');
        const r = runCli(args, env);
        assert.equal(r.code, 1, `${how} ${file} was accepted: ${r.stdout}`);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], new RegExp(`^tltc: .*${file.replace('.', '\\.')}`));
        detected++;
      });
    }
  }
  it('counts', () => {
    console.log(`# reliability: files corrupted and detected ${detected} of ${FILES.length * DAMAGES.length}`);
    assert.equal(detected, FILES.length * DAMAGES.length);
  });
});

describe('corrupt ONNX files are refused when read back', () => {
  const ck = saveTinyCheckpoint(path.join(dir, 'cls-run'), mobyTokenizer(), 'tltc-classifier', loadTask('genre').labels);
  const exported = path.join(dir, 'exported');
  const r = runCli(['export', '--checkpoint', ck.dir, '--out', exported]);
  assert.equal(r.code, 0, r.stderr);
  const ONNX = ['model.onnx', 'model_quantized.onnx', 'model_q4.onnx'];
  const ONNX_DAMAGES: Damage[] = [...DAMAGES, ['replaced by text', (f) => writeFileSync(f, 'not a model\n')]];
  const evalArgs = (folder: string, file: string) => ['eval', '--onnx', path.join(folder, 'onnx', file), '--task', 'genre', '--examples', '16', '--threads', '1'];

  it('an intact export scores, its checksum verified', () => {
    const ok = runCli(evalArgs(exported, 'model_q4.onnx'));
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(ok.stdout);
    assert.equal(result.checksum_verified, true);
    assert.ok(result.accuracy >= 0 && result.accuracy <= 1 && result.examples === 16);
  });

  let detected = 0;
  for (const file of ONNX) {
    for (const [how, damage] of ONNX_DAMAGES) {
      it(`${how} onnx/${file} is refused with one line naming the file`, () => {
        const copy = path.join(dir, `exported-${file}-${how.replace(/ /g, '-')}`);
        cpSync(exported, copy, { recursive: true });
        damage(path.join(copy, 'onnx', file));
        const bad = runCli(evalArgs(copy, file));
        assert.equal(bad.code, 1, `${how} ${file} was accepted: ${bad.stdout}`);
        const lines = bad.stderr.trim().split('\n');
        assert.equal(lines.length, 1, bad.stderr);
        assert.match(lines[0], new RegExp(`^tltc: .*${file.replace('.', '\\.')}`));
        detected++;
      });
    }
  }
  it('an ONNX file that is no ONNX at all, without a manifest, is refused by onnxruntime with one line', () => {
    const loose = path.join(dir, 'loose', 'onnx');
    cpSync(path.join(exported, 'onnx'), loose, { recursive: true });
    cpSync(path.join(exported, 'config.json'), path.join(dir, 'loose', 'config.json'));
    cpSync(path.join(exported, 'tokenizer.json'), path.join(dir, 'loose', 'tokenizer.json'));
    truncateSync(path.join(loose, 'model.onnx'), 1000);
    const bad = runCli(evalArgs(path.join(dir, 'loose'), 'model.onnx'));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^tltc: .*model\.onnx is not a valid ONNX model \(.*\)\n$/);
  });
  it('counts ONNX', () => {
    console.log(`# reliability: ONNX files corrupted and detected ${detected} of ${ONNX.length * ONNX_DAMAGES.length}`);
    assert.equal(detected, ONNX.length * ONNX_DAMAGES.length);
  });
});
