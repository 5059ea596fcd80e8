import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
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
