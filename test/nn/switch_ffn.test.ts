import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Graph, ops, serializeGraph, type Tensor } from '../../src/graph/index.ts';
import { DYNAMIC, rowsLayout } from '../../src/nn/layout.ts';
import type { LayerContext } from '../../src/nn/layers.ts';
import { switchFfn, switchParamShapes, type SwitchSpec } from '../../src/nn/switch_ffn.ts';
import { GraphWeights } from '../../src/nn/weights.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { seededRandom } from '../helpers/rng.ts';

class NamedWeights extends GraphWeights {
  constructor(private readonly byName: Map<string, Tensor>) {
    super();
  }
  weight(name: string): Tensor {
    const t = this.byName.get(name);
    if (!t) throw new Error(`no weight ${name}`);
    return t;
  }
}

const spec = (over: Partial<SwitchSpec> = {}): SwitchSpec => ({ name: 'moe', experts: 3, capacityFactor: 1, d: 4, ffn: 5, activation: 'relu', ...over });
const context = (weights: GraphWeights, dynamic = false): LayerContext => ({ weights, layout: dynamic ? DYNAMIC : rowsLayout({ batch: 1, seq: 1 }), kernels: 'standard', eps: 1e-5, dropout: 0 });

/** Plain-JS Switch FFN: what the graph must compute, written the obvious way. */
function reference(x: number[][], w: Record<string, Float64Array>, s: SwitchSpec): { y: number[][]; load: number[]; dropped: number } {
  const [e, d, f] = [s.experts, s.d, s.ffn];
  const capacity = Math.ceil((s.capacityFactor * x.length) / e);
  const used = new Array<number>(e).fill(0);
  const load = new Array<number>(e).fill(0);
  let dropped = 0;
  const y = x.map((row) => {
    const logits = Array.from({ length: e }, (_, k) => row.reduce((acc, v, j) => acc + v * w['moe.router.weight'][k * d + j], 0));
    const top = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - top));
    const probs = exps.map((v) => v / exps.reduce((a, b) => a + b));
    const k = probs.indexOf(Math.max(...probs));
    load[k] += 1 / x.length;
    if (used[k]++ >= capacity) {
      dropped += 1 / x.length;
      return new Array<number>(d).fill(0);
    }
    const h = Array.from({ length: f }, (_, o) => Math.max(0, w['moe.fc1.bias'][k * f + o] + row.reduce((acc, v, j) => acc + v * w['moe.fc1.weight'][(k * d + j) * f + o], 0)));
    return Array.from({ length: d }, (_, o) => probs[k] * (w['moe.fc2.bias'][k * d + o] + h.reduce((acc, v, j) => acc + v * w['moe.fc2.weight'][(k * f + j) * d + o], 0)));
  });
  return { y, load, dropped };
}

async function runSwitch(x: number[][], s: SwitchSpec, dynamic: boolean) {
  const rand = seededRandom(7);
  const g = new Graph('switch');
  const xIn = g.input('x', 'float64', dynamic ? ['batch', 'seq', s.d] : [x.length, s.d]);
  const shapes = switchParamShapes(s);
  const inputs = new Map(shapes.map((p) => [p.name, g.input(p.name, 'float64', p.shape)]));
  const { y, report } = switchFfn(xIn, context(new NamedWeights(inputs), dynamic), s);
  g.output(y, 'y');
  g.output(report.load, 'load');
  g.output(report.dropped, 'dropped');
  const values = Object.fromEntries(shapes.map((p) => [p.name, Float64Array.from({ length: p.shape.reduce((a, b) => a * b) }, () => 2 * rand() - 1)]));
  const session = await createSession(serializeGraph(g), { threads: 1 });
  const feeds = Object.fromEntries(shapes.map((p) => [p.name, ortTensor('float64', values[p.name], p.shape)]));
  feeds.x = ortTensor('float64', Float64Array.from(x.flat()), dynamic ? [1, x.length, s.d] : [x.length, s.d]);
  const out = await session.run(feeds);
  return { out, values };
}

describe('Switch FFN', () => {
  const rand = seededRandom(3);
  const x = Array.from({ length: 9 }, () => Array.from({ length: 4 }, () => 2 * rand() - 1));

  for (const dynamic of [false, true]) {
    it(`routes each token to its top expert, scales by its probability and drops what exceeds capacity (${dynamic ? 'run-time' : 'static'} shapes)`, async () => {
      const s = spec({ capacityFactor: 0.7 }); // 3 slots per expert for 9 tokens: an uneven router drops some
      const { out, values } = await runSwitch(x, s, dynamic);
      const want = reference(x, values, s);
      assert.ok(want.dropped > 0, 'the case must drop tokens to test capacity');
      const got = Array.from(out.y.data as Float64Array);
      want.y.flat().forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-9, `y[${i}] ${got[i]} vs ${v}`));
      Array.from(out.load.data as Float64Array).forEach((v, k) => assert.ok(Math.abs(v - want.load[k]) < 1e-12));
      assert.ok(Math.abs(Number(out.dropped.data[0]) - want.dropped) < 1e-12);
    });
  }

  it('gradients of the output and the balance loss match central differences', () =>
    gradcheck({
      name: 'switch FFN',
      inputs: [{ shape: [6, 4] }, ...switchParamShapes(spec()).map((p) => ({ shape: p.shape }))],
      build: (g, [xIn, ...params]) => {
        const s = spec({ capacityFactor: 1 });
        const weights = new NamedWeights(new Map(switchParamShapes(s).map((p, i) => [p.name, params[i]])));
        const { y, report } = switchFfn(xIn, context(weights), s);
        return [y, ops.reshape(report.balanceLoss, [1])];
      },
    }));
});
