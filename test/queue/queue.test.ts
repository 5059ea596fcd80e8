import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { mobyCorpus, runCli, startCli, tmpDir } from '../helpers/cli.ts';
import { seaTask } from '../helpers/tasks.ts';

const redisServer = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const skip = redisServer ? false : 'redis-server is not installed (apt-get install redis-server; .ci/run installs it)';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server on 127.0.0.1:port with its data (append-only file on) in dir; resolves once it answers. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(redisServer!, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
  await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().trim() === 'PONG', 10_000);
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const status = (url: string, out: string, env: Record<string, string>) => {
  const r = runCli(['sweep', '--status', '--queue', url, '--out', out], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { counts: Record<string, number>; runs: { id: string; state: string; attempts: number; step?: number; failed_reason?: string }[] };
};

describe('sweeps on a BullMQ job queue', { skip }, () => {
  const dir = tmpDir();
  const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
  const corpus = mobyCorpus(dir, 4);
  const sweepFile = (name: string, budget: string) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify({ models: ['L1-H32', 'L1-H64'], seeds: [0, 1], budget, base: { data: { corpus, vocab_size: 512, seq_len: 32 }, batch_size: 8, eval: { sequences: 8, interval_s: 0.5 }, keep_checkpoints: 1, threads: 1 } }));
    return file;
  };
  const children: ChildProcess[] = [];
  after(() => children.forEach((c) => c.kill('SIGKILL')));

  it('two workers train a 4-run grid once each, one SIGKILLed mid-run and its run resumed by the other, with the in-process sweep\'s final numbers', async () => {
    const port = await freePort();
    const redis = await startRedis(port, tmpDir());
    children.push(redis);
    const url = `redis://127.0.0.1:${port}`;
    const file = sweepFile('grid', '300steps');
    const out = path.join(dir, 'queued');
    const first = runCli(['sweep', '--config', file, '--out', out, '--queue', url], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout.trim()).added.length, 4);
    const again = JSON.parse(runCli(['sweep', '--config', file, '--out', out, '--queue', url], env).stdout.trim());
    assert.deepEqual([again.added.length, again.already_queued.length], [0, 4], 'enqueueing twice adds nothing');
    const worker = (name: string) => startCli(['worker', '--queue', url, '--lock-seconds', '2', '--quiet'], { ...env, TLTC_WORKER: name });
    const doomed = worker('a');
    children.push(doomed);
    // Kill the first worker once its run has a checkpoint to resume from.
    const runsDir = path.join(out, 'runs');
    const checkpointed = () => existsSync(runsDir) && readdirSync(runsDir).some((r) => existsSync(path.join(runsDir, r, 'checkpoints')) && readdirSync(path.join(runsDir, r, 'checkpoints')).length > 0 && !existsSync(path.join(runsDir, r, 'summary.json')));
    await waitFor(checkpointed, 120_000);
    doomed.kill('SIGKILL');
    const survivor = worker('b');
    children.push(survivor);
    await waitFor(() => status(url, out, env).counts.completed === 4, 300_000);
    const s = status(url, out, env);
    assert.ok(s.runs.every((r) => r.state === 'completed'), JSON.stringify(s.runs));
    const inProcess = path.join(dir, 'in-process');
    assert.equal(runCli(['sweep', '--config', file, '--out', inProcess, '--quiet'], env).code, 0);
    const finals = (folder: string) => (JSON.parse(readFileSync(path.join(folder, 'sweep.json'), 'utf8')).runs as { id: string; final: { val_loss: number; step: number } }[]).map((r) => [r.id, r.final.step, r.final.val_loss]);
    assert.deepEqual(finals(out), finals(inProcess), 'each run ended as if trained in one process');
    const elsewhere = JSON.parse(runCli(['sweep', '--config', file, '--out', path.join(dir, 'queued-again'), '--queue', url], env).stdout.trim());
    assert.equal(elsewhere.added.length, 4, 'the same grid in another folder is another set of jobs');
    survivor.kill('SIGTERM');
    await stopRedis(redis);
  });

  it('a Redis restart mid-sweep loses no job; a run that fails is retried, then stays failed with its one-line reason; a worker refuses a folder it does not see or that holds another sweep', async () => {
    const port = await freePort();
    const data = tmpDir();
    let redis = await startRedis(port, data);
    children.push(redis);
    const url = `redis://127.0.0.1:${port}`;
    const out = path.join(dir, 'restart');
    assert.equal(runCli(['sweep', '--config', sweepFile('restart', '200steps'), '--out', out, '--queue', url], env).code, 0);
    const restart = async () => {
      await stopRedis(redis);
      redis = await startRedis(port, data);
      children.push(redis);
    };
    await restart();
    assert.deepEqual(status(url, out, env).counts, { waiting: 4 }, 'every job is still there');
    // A run whose corpus is gone fails on every attempt.
    const broken = path.join(dir, 'broken');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ models: ['L1-H32'], seeds: [0], budget: '20steps', base: { data: { corpus: path.join(dir, 'no-such-corpus'), vocab_size: 512, seq_len: 32 }, batch_size: 8, threads: 1 } }));
    assert.equal(runCli(['sweep', '--config', bad, '--out', broken, '--queue', url], env).code, 0);
    // Redis restarts again while the worker trains: the worker reconnects and the sweep ends.
    const worker = startCli(['worker', '--queue', url, '--max-runs', '5', '--quiet'], env);
    children.push(worker);
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    await waitFor(() => existsSync(path.join(out, 'runs', 'L1-H32-b8-s0', 'summary.json')), 120_000);
    assert.ok(!existsSync(path.join(out, 'runs', 'L1-H64-b8-s1', 'summary.json')), 'the restart comes mid-sweep');
    await restart();
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the worker did not finish within 300 s')), 300_000).unref());
    assert.equal(await Promise.race([exited, timeout]), 0);
    assert.deepEqual(status(url, out, env).counts, { completed: 4 });
    const failed = status(url, broken, env).runs[0];
    assert.equal(failed.attempts, 3);
    assert.match(failed.failed_reason!, /no-such-corpus/);
    // Workers refuse a job whose folder they do not see, or whose folder now holds another sweep.
    const [gone, reused] = [path.join(dir, 'gone'), path.join(dir, 'reused')];
    for (const folder of [gone, reused]) assert.equal(runCli(['sweep', '--config', bad, '--out', folder, '--queue', url], env).code, 0);
    rmSync(path.join(gone, 'sweep.json'));
    writeFileSync(path.join(reused, 'sweep.json'), JSON.stringify({ sweep: JSON.parse(readFileSync(sweepFile('another', '10steps'), 'utf8')), runs: [] }));
    const refusing = runCli(['worker', '--queue', url, '--max-runs', '2'], env, 120_000);
    assert.equal(refusing.code, 0, refusing.stderr);
    assert.match(refusing.stderr, /sees no .*gone\/sweep\.json: mount the shared sweep folder at the same path on every worker/);
    assert.match(refusing.stderr, /reused\/sweep\.json holds another sweep than the one this job was queued from/);
    await stopRedis(redis);
  });

  it('a downstream grid on the queue: one job per size, downstream.json written by the worker that ends it, as the in-process grid scores it', async () => {
    const port = await freePort();
    const redis = await startRedis(port, tmpDir());
    children.push(redis);
    const url = `redis://127.0.0.1:${port}`;
    const task = seaTask(dir);
    const args = (out: string) => ['downstream', '--sweep', path.join(dir, 'in-process'), '--out', out, '--task', task, '--grid', 'int8', '--finetune-budget', '20steps', '--threads', '1', '--quiet'];
    const queued = path.join(dir, 'downstream-queued');
    const first = runCli([...args(queued), '--queue', url], env);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(JSON.parse(first.stdout.trim()).added, ['L1-H32', 'L1-H64'], 'seed 0 of each size');
    assert.deepEqual(JSON.parse(runCli([...args(queued), '--queue', url], env).stdout.trim()).already_queued, ['L1-H32', 'L1-H64']);
    const w = runCli(['worker', '--queue', url, '--max-runs', '2', '--quiet'], env, 300_000);
    assert.equal(w.code, 0, w.stderr);
    const s = JSON.parse(runCli(['downstream', '--status', '--queue', url, '--out', queued], env).stdout.trim());
    assert.deepEqual([s.runs.map((r: { state: string }) => r.state), s.downstream_json], [['completed', 'completed'], true]);
    const local = path.join(dir, 'downstream-local');
    assert.equal(runCli(args(local), env, 300_000).code, 0);
    const accuracies = (out: string) => (JSON.parse(readFileSync(path.join(out, 'downstream.json'), 'utf8')).points as { id: string; accuracy: number }[]).map((p) => [p.id, p.accuracy]);
    assert.deepEqual(accuracies(queued), accuracies(local));
    await stopRedis(redis);
  });

  it('refuses, in one line and in seconds, an unreachable Redis, a URL of another scheme, and a folder of another sweep', () => {
    const file = sweepFile('refuse', '20steps');
    const t0 = Date.now();
    const unreachable = runCli(['sweep', '--config', file, '--out', path.join(dir, 'x'), '--queue', 'redis://127.0.0.1:1'], env);
    assert.notEqual(unreachable.code, 0);
    assert.match(unreachable.stderr, /^tltc: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*start redis-server there or fix --queue\n$/);
    assert.ok(Date.now() - t0 < 15_000, 'fails within seconds');
    const scheme = runCli(['worker', '--queue', 'http://localhost:6379'], env);
    assert.match(scheme.stderr, /^tltc: --queue "http:\/\/localhost:6379" has scheme http: the queue is Redis, use redis:\/\/HOST:PORT\[\/DB\]\n$/);
    const taken = path.join(dir, 'taken');
    mkdirSync(taken);
    writeFileSync(path.join(taken, 'sweep.json'), JSON.stringify({ sweep: JSON.parse(readFileSync(sweepFile('other', '30steps'), 'utf8')), runs: [] }));
    const other = runCli(['sweep', '--config', file, '--out', taken, '--queue', 'redis://127.0.0.1:1'], env);
    assert.match(other.stderr, /^tltc: .*taken\/sweep\.json holds another sweep: choose another --out\n$/);
  });
});
