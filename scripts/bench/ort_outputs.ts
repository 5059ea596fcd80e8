/**
 * Micro-benchmark behind the runner's design: onnxruntime-node outputs fetched into
 * pre-allocated tensors versus adopting the arrays ORT returns. Prints one JSON line.
 */
import { Graph, ops, serializeGraph } from '../../src/graph/index.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';

const n = 1 << 20;
const g = new Graph();
const x = g.input('x', 'float32', [n]);
g.output(ops.mul(x, 2), 'y');
const session = await createSession(serializeGraph(g), { threads: 2 });
const xd = new Float32Array(n).fill(1);
const feeds = () => ({ x: ortTensor('float32', xd, [n]) });
const out = ortTensor('float32', new Float32Array(n), [n]);
const time = async (fn: () => Promise<unknown>) => {
  for (let i = 0; i < 10; i++) await fn();
  const t = performance.now();
  for (let i = 0; i < 200; i++) await fn();
  return (performance.now() - t) / 200;
};
const preallocated = await time(() => session.run(feeds(), { y: out }));
const adopted = await time(() => session.run(feeds()));
process.stdout.write(`${JSON.stringify({ elements: n, preallocated_ms: preallocated, adopted_ms: adopted })}\n`);
