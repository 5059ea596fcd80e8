/**
 * The Redis a sweep's job queue lives on (BullMQ): `redis://HOST:PORT[/DB]`, checked before any
 * work, so a bad URL or an unreachable server fails in one line within seconds instead of
 * hanging in ioredis's reconnect loop.
 */
import { Redis } from 'ioredis';

export interface QueueUrl {
  url: string;
  host: string;
  port: number;
  db: number;
}

export const QUEUE_NAME = 'tltc-runs';
const CONNECT_TIMEOUT_MS = 3000;

export function parseQueueUrl(text: string): QueueUrl {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new Error(`--queue "${text}" is not a URL: use redis://HOST:PORT[/DB]`);
  }
  if (u.protocol !== 'redis:') throw new Error(`--queue "${text}" has scheme ${u.protocol.replace(/:$/, '')}: the queue is Redis, use redis://HOST:PORT[/DB]`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`--queue "${text}": the database after the port must be a number, e.g. redis://localhost:6379/0`);
  return { url: text, host: u.hostname || 'localhost', port: Number(u.port || 6379), db: Number(db || 0) };
}

/** Connection options for BullMQ's queues and workers (workers need maxRetriesPerRequest null). */
export function connectionOptions(q: QueueUrl) {
  return { host: q.host, port: q.port, db: q.db, maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS };
}

/** Refuses, in one line, a Redis that does not answer within a few seconds. */
export async function checkReachable(q: QueueUrl): Promise<void> {
  const redis = new Redis({ host: q.host, port: q.port, db: q.db, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {}); // reported below, once
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`cannot reach Redis at ${q.url} (${(err as Error).message.split('\n')[0]}): start redis-server there or fix --queue`, { cause: err });
  } finally {
    redis.disconnect();
  }
}
