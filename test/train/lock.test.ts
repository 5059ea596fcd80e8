import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acquireRunLock } from '../../src/train/lock.ts';
import { tmpDir } from '../helpers/cli.ts';

const lockOf = (dir: string) => path.join(dir, '.lock');
const lease = (dir: string) => JSON.parse(readFileSync(lockOf(dir), 'utf8')) as { host: string; pid: number; expires: number };
const deadPid = 2 ** 22 + 17; // above Linux's default pid_max

describe('the run lock: a lease its owner renews', () => {
  it('holds host, pid and a lease; release removes it', () => {
    const dir = tmpDir();
    const release = acquireRunLock(dir);
    const l = lease(dir);
    assert.equal(l.host, os.hostname());
    assert.equal(l.pid, process.pid);
    assert.ok(l.expires > Date.now());
    release();
    assert.ok(!existsSync(lockOf(dir)));
  });

  it('another host\'s unexpired lease is never taken; an expired one is', () => {
    const dir = tmpDir();
    writeFileSync(lockOf(dir), JSON.stringify({ host: 'other-host', pid: 1, token: 't', expires: Date.now() + 60_000 }));
    assert.throws(() => acquireRunLock(dir), /in use by process 1 on other-host \(lease until/);
    writeFileSync(lockOf(dir), JSON.stringify({ host: 'other-host', pid: 1, token: 't', expires: Date.now() - 1 }));
    const release = acquireRunLock(dir);
    assert.equal(lease(dir).host, os.hostname());
    release();
  });

  it('on this host a live process keeps its lock whatever its lease says, a dead one loses it (old pid-only locks too)', () => {
    const dir = tmpDir();
    writeFileSync(lockOf(dir), JSON.stringify({ host: os.hostname(), pid: process.ppid, token: 't', expires: Date.now() - 1 }));
    assert.throws(() => acquireRunLock(dir), new RegExp(`in use by process ${process.ppid}:`));
    writeFileSync(lockOf(dir), JSON.stringify({ host: os.hostname(), pid: deadPid, token: 't', expires: Date.now() + 60_000 }));
    acquireRunLock(dir)();
    writeFileSync(lockOf(dir), String(deadPid));
    acquireRunLock(dir)();
    writeFileSync(lockOf(dir), String(process.ppid));
    assert.throws(() => acquireRunLock(dir), /in use by process/);
  });

  it('the owner renews its lease while it holds the lock', async () => {
    const dir = tmpDir();
    const release = acquireRunLock(dir, 300);
    const first = lease(dir).expires;
    await new Promise((r) => setTimeout(r, 450));
    assert.ok(lease(dir).expires > first + 100, 'renewed');
    release();
  });
});
