import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listCheckpoints } from '../../src/train/checkpoint.ts';
import { mobyTokenizer, saveTinyCheckpoint } from '../helpers/checkpoints.ts';
import { killUntilDone, runCli, startCli, tmpDir } from '../helpers/cli.ts';
import { seededRandom } from '../helpers/rng.ts';
import { seaTask } from '../helpers/tasks.ts';

describe('fine-tuning killed and resumed', () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const pre = path.join(dir, 'pre');
  saveTinyCheckpoint(pre, mobyTokenizer(300), 'tltc-mlm', undefined, 1, { d_model: 32, n_heads: 2, d_ff: 64, dropout: 0.1 });
  const task = seaTask(dir);

  for (const method of ['ia3', 'full'] as const) {
    it(`${method}: SIGKILLed runs resumed from snapshots end bit-identical to one never interrupted`, async () => {
      const args = ['finetune', '--checkpoint', pre, '--task', task, '--budget', '400steps', '--batch-size', '8', '--seed', '2', '--threads', '1', '--snapshot-every', '0.02', '--quiet', ...(method === 'ia3' ? ['--method', 'ia3'] : [])];
      const straight = path.join(dir, `${method}-straight`);
      const r = runCli([...args, '--out', straight], env);
      assert.equal(r.code, 0, r.stderr);
      const killed = path.join(dir, `${method}-killed`);
      const kills = await killUntilDone(args, killed, env, { kills: 4, rand: seededRandom(method === 'ia3' ? 3 : 4), resumeWhen: 'resume', snapshots: 'resume' });
      assert.equal(kills, 4, `only ${kills} of 4 kills landed`);
      const [a, b] = [straight, killed].map((run) => listCheckpoints(run).at(-1)!);
      assert.equal(path.basename(a), 'step-00000400');
      for (const f of ['model.safetensors', 'optimizer.safetensors']) assert.ok(readFileSync(path.join(b, f)).equals(readFileSync(path.join(a, f))), `${f} differs after ${kills} kills`);
      const scores = (run: string) => JSON.parse(readFileSync(path.join(run, 'finetune.json'), 'utf8')).test;
      assert.deepEqual(scores(killed), scores(straight));
      if (method === 'ia3') assert.ok(readFileSync(path.join(killed, 'adapter.safetensors')).equals(readFileSync(path.join(straight, 'adapter.safetensors'))));
      assert.ok(!existsSync(path.join(killed, 'resume')), 'snapshots are removed once finetune.json is written');
    });
  }

  it('refuses an interrupted folder without --resume, and a resume with other settings', async () => {
    const out = path.join(dir, 'refused');
    const args = ['finetune', '--checkpoint', pre, '--task', task, '--budget', '100000steps', '--batch-size', '8', '--threads', '1', '--snapshot-every', '0.02', '--quiet'];
    const child = startCli([...args, '--out', out], env);
    const exited = new Promise((res) => child.once('exit', res));
    while (listCheckpoints(path.join(out, 'resume')).length === 0) await new Promise((res) => setTimeout(res, 50));
    child.kill('SIGKILL');
    await exited;
    const again = runCli([...args, '--out', out], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /holds an interrupted fine-tuning: add --resume to continue it/);
    const other = runCli([...args, '--seed', '9', '--out', out, '--resume'], env);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /was fine-tuned with other settings \(seed: 0 then, 9 now\)/);
  });
});
