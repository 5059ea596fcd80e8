/** The machine's fp32 GEMM peak as onnxruntime reaches it: the denominator of MFU. */
import { Graph, ops, serializeGraph } from '../graph/index.ts';
import { createSession, ortTensor } from '../runtime/session.ts';
import { Random } from '../util/random.ts';

/** GFLOP/s of an n x n x n MatMul, best of repeated runs over about `seconds`. */
export async function measureMatMulPeak(threads: number, n = 1536, seconds = 2): Promise<number> {
  const g = new Graph('peak');
  const a = g.input('a', 'float32', [n, n]);
  const b = g.input('b', 'float32', [n, n]);
  g.output(ops.matmul(a, b), 'c');
  const session = await createSession(serializeGraph(g), { threads });
  const rng = new Random(7);
  const data = Float32Array.from({ length: n * n }, () => rng.next() - 0.5);
  const feeds = { a: ortTensor('float32', data, [n, n]), b: ortTensor('float32', data, [n, n]) };
  await session.run(feeds);
  let best = Infinity;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await session.release();
  return (2 * n * n * n) / (best / 1000) / 1e9;
}
