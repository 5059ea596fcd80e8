/**
 * One trainer per run folder, on one machine or several sharing the folder: a lock file taken
 * with O_EXCL holding the owner's host, pid and a lease the owner renews while it lives. A lock
 * is stale, and taken over, when its lease expired (its owner stopped renewing, on any host) or
 * its owner is a dead process on this host; a live one is never taken. A pid alone means nothing
 * on another host, hence the lease.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../util/atomic.ts';

/** How long a lease lasts unrenewed; its owner renews it every third of that, so it survives two missed renewals. */
export const LEASE_MS = 60_000;

interface Lease {
  host: string;
  pid: number;
  token: string;
  expires: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process not yet reaped by its parent still answers kill(0); it is a zombie (state Z).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The lease in a lock file; an older lock holding only a pid reads as this host's. */
function readLease(file: string): Lease | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8').trim();
  if (/^\d+$/.test(text)) return { host: os.hostname(), pid: Number(text), token: '', expires: Infinity };
  try {
    return JSON.parse(text) as Lease;
  } catch {
    return null; // torn or foreign: nobody can renew it
  }
}

/** Whether the lease's owner may still be training: on this host its process is alive (even stopped, so never two at once); elsewhere its lease is unexpired. */
function live(l: Lease, now = Date.now()): boolean {
  if (l.host === os.hostname()) return l.pid !== process.pid && alive(l.pid);
  return now < l.expires;
}

function describe(l: Lease): string {
  return l.host === os.hostname() ? `process ${l.pid}` : `process ${l.pid} on ${l.host} (lease until ${new Date(l.expires).toISOString()})`;
}

/** Takes the lock or throws naming its live owner; returns the release, which also stops the renewals. */
export function acquireRunLock(runDir: string, leaseMs = LEASE_MS): () => void {
  mkdirSync(runDir, { recursive: true });
  const file = path.join(runDir, '.lock');
  const lease: Lease = { host: os.hostname(), pid: process.pid, token: randomUUID(), expires: Date.now() + leaseMs };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify(lease));
      closeSync(fd);
      return holdLease(file, lease, leaseMs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = readLease(file);
      if (held && live(held)) throw new Error(`run folder ${runDir} is in use by ${describe(held)}: wait for it to finish or choose another --out`, { cause: err });
      takeOver(file, held);
    }
  }
  throw new Error(`could not lock run folder ${runDir}`);
}

/**
 * Moves a stale lock aside (rename is atomic), then checks that what moved is the lock judged
 * stale: if another trainer took over in between, its live lock is put back.
 */
function takeOver(file: string, judged: Lease | null): void {
  const aside = `${file}.stale-${process.pid}-${randomUUID()}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else moved it
    throw err;
  }
  const moved = readLease(aside);
  if (moved && judged && moved.token !== judged.token && live(moved)) renameSync(aside, file);
  else rmSync(aside, { force: true });
}

/** Renews the lease until released; a renewal that finds another owner's lock stops renewing. */
function holdLease(file: string, lease: Lease, leaseMs: number): () => void {
  const timer = setInterval(() => {
    if (readLease(file)?.token !== lease.token) return clearInterval(timer);
    writeFileAtomic(file, JSON.stringify({ ...lease, expires: Date.now() + leaseMs }));
  }, leaseMs / 3);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (readLease(file)?.token === lease.token) rmSync(file, { force: true });
  };
}
