import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listCheckpoints, loadCheckpoint } from '../../src/train/checkpoint.ts';
import { afterNewCheckpoints, killUntilDone, mobyCorpus, readMetrics, runCli, startCli, tmpDir } from '../helpers/cli.ts';
import { seededRandom } from '../helpers/rng.ts';

const KILLS = 24;

describe('kill at any moment', () => {
  it(`survives ${KILLS} SIGKILLs at random moments (many inside checkpoint writes) and ends bit-identical`, async () => {
    const dir = tmpDir();
    const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
    const cfgFile = path.join(dir, 'train.json');
    // Checkpoints every 20 ms of training keep the process writing files most of the time.
    writeFileSync(
      cfgFile,
      JSON.stringify({
        model: { n_layers: 1, d_model: 32, n_heads: 2 },
        data: { corpus: mobyCorpus(dir, 6), vocab_size: 400, seq_len: 32 },
        batch_size: 8,
        budget: '8000steps',
        eval: { interval_s: 0.02, sequences: 8 },
        seed: 3,
        threads: 2,
      }),
    );
    const out = path.join(dir, 'killed');
    const straight = path.join(dir, 'straight');
    assert.equal(runCli(['train', '--config', cfgFile, '--out', straight, '--quiet'], env).code, 0);
    const rand = seededRandom(99);
    let kills = 0;
    let duringWrites = 0;
    let finished = false;
    let lastStep = -1;
    while (kills < KILLS && !finished) {
      const args = ['train', '--config', cfgFile, '--out', out, '--quiet', ...(existsSync(path.join(out, 'run.json')) ? ['--resume'] : [])];
      const child = startCli(args, env);
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      // Kill at a random point of the checkpoint cycle after the run's next two checkpoints (one
      // every 20 ms of training), so kills land inside steps and checkpoint writes alike.
      if (!(await afterNewCheckpoints(out, 2, rand(), exited))) {
        assert.equal(await exited, 0, stderr);
        finished = true;
        break;
      }
      child.kill('SIGKILL');
      await exited;
      kills++;
      const ckRoot = path.join(out, 'checkpoints');
      if (existsSync(ckRoot) && readdirSync(ckRoot).some((f) => f.startsWith('.tmp-'))) duringWrites++;
      const newest = listCheckpoints(out).at(-1);
      if (newest) {
        const ck = loadCheckpoint(out, true); // the newest complete checkpoint loads and verifies
        assert.ok(ck.config.state.step >= lastStep, 'checkpoints never go backwards');
        lastStep = ck.config.state.step;
      }
    }
    if (!finished) assert.equal(runCli(['train', '--config', cfgFile, '--out', out, '--resume', '--quiet'], env).code, 0);
    console.log(`# reliability: kills survived ${kills} (${duringWrites} inside a checkpoint write; newest checkpoint then at step ${lastStep} of 8000)`);
    assert.equal(kills, KILLS, `only ${kills} kills landed before the run finished`);
    assert.ok(lastStep > 0, 'the kills landed after training had written checkpoints');
    const final = (run: string) => readFileSync(path.join(run, 'checkpoints', 'step-00008000', 'model.safetensors'));
    assert.ok(final(out).equals(final(straight)), 'the killed-and-resumed run ends with the same bytes as the uninterrupted one');
    const rows = readMetrics(out);
    assert.ok(rows.every((r, i) => i === 0 || r.step > rows[i - 1].step), 'metrics.jsonl holds each step once, in order');
  });

  it('a RigL run killed and resumed ends bit-identical to an uninterrupted one, masks and all; static masks never change', async () => {
    const dir = tmpDir();
    const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
    const config = (method: string) => {
      const file = path.join(dir, `${method}.json`);
      const sparse = { method, sparsity: 0.8, delta_t: 25 };
      writeFileSync(file, JSON.stringify({ model: { n_layers: 1, d_model: 32, n_heads: 2 }, data: { corpus: mobyCorpus(dir, 6), vocab_size: 400, seq_len: 32 }, batch_size: 8, budget: '1500steps', eval: { interval_s: 0.05, sequences: 8 }, sparse, seed: 3, threads: 2 }));
      return file;
    };
    const [rigl, fixed] = [config('rigl'), config('static')];
    const straight = path.join(dir, 'straight');
    assert.equal(runCli(['train', '--config', rigl, '--out', straight, '--quiet'], env).code, 0);
    const out = path.join(dir, 'killed');
    const kills = await killUntilDone(['train', '--config', rigl, '--quiet'], out, env, { kills: 6, rand: seededRandom(7) });
    assert.equal(kills, 6, `only ${kills} of 6 kills landed`);
    const newest = (run: string) => loadCheckpoint(run, true);
    const [a, b] = [newest(straight), newest(out)];
    assert.equal(a.config.state.step, 1500);
    const bytes = (run: string, f: string) => readFileSync(path.join(run, 'checkpoints', 'step-00001500', f));
    for (const f of ['model.safetensors', 'optimizer.safetensors']) assert.ok(bytes(out, f).equals(bytes(straight, f)), `${f} differs after ${kills} kills`);
    // The masks hold 80% of the encoder's linear weights pruned, and RigL moved them.
    const masks = [...a.masks!.values()];
    const kept = masks.reduce((n, m) => n + m.reduce((x, v) => x + v, 0), 0);
    const total = masks.reduce((n, m) => n + m.length, 0);
    assert.ok(Math.abs(1 - kept / total - 0.8) < 0.01, `sparsity ${1 - kept / total}`);
    assert.deepEqual([...b.masks!.keys()], [...a.masks!.keys()]);
    const staticRun = path.join(dir, 'static');
    assert.equal(runCli(['train', '--config', fixed, '--out', staticRun, '--quiet', '--budget', '100steps'], env).code, 0);
    const first = newest(staticRun).masks!;
    const moved = [...a.masks!].some(([name, m]) => m.some((v, i) => v !== first.get(name)![i]));
    assert.ok(moved, 'RigL changed masks that static training drew the same from the seed');
    for (const [name, m] of first) {
      const w = newest(staticRun).params.get(name)!;
      assert.ok(w.every((v, i) => m[i] === 1 || v === 0), `${name}: a pruned weight is not zero`);
    }
  });

  it('a Switch-expert run killed and resumed ends bit-identical to an uninterrupted one, router and experts included', async () => {
    const dir = tmpDir();
    const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
    const file = path.join(dir, 'switch.json');
    const model = { n_layers: 1, d_model: 32, n_heads: 2, n_experts: 4, capacity_factor: 1 };
    writeFileSync(file, JSON.stringify({ model, data: { corpus: mobyCorpus(dir, 6), vocab_size: 400, seq_len: 32 }, batch_size: 8, budget: '1500steps', eval: { interval_s: 0.05, sequences: 8 }, seed: 3, threads: 2 }));
    const straight = path.join(dir, 'straight');
    assert.equal(runCli(['train', '--config', file, '--out', straight, '--quiet'], env).code, 0);
    const out = path.join(dir, 'killed');
    const kills = await killUntilDone(['train', '--config', file, '--quiet'], out, env, { kills: 6, rand: seededRandom(11) });
    assert.equal(kills, 6, `only ${kills} of 6 kills landed`);
    const bytes = (run: string, f: string) => readFileSync(path.join(run, 'checkpoints', 'step-00001500', f));
    for (const f of ['model.safetensors', 'optimizer.safetensors']) assert.ok(bytes(out, f).equals(bytes(straight, f)), `${f} differs after ${kills} kills`);
    const names = [...loadCheckpoint(out, true).params.keys()];
    assert.ok(names.includes('roberta.encoder.layer.0.experts.router.weight') && names.includes('roberta.encoder.layer.0.experts.fc1.weight'));
    const rows = readMetrics(out);
    assert.ok(rows.every((r) => typeof r.expert_load_max === 'number' && typeof r.expert_dropped === 'number'), 'every evaluation reports the routing');
  });
});
