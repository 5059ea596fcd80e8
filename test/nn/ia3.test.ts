import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serializeGraph } from '../../src/graph/index.ts';
import { buildClassifier } from '../../src/nn/classifier.ts';
import { ia3ParamSpecs, mergeIa3 } from '../../src/nn/ia3_weights.ts';
import { initParams, type Parameter } from '../../src/nn/params.ts';
import { createSession } from '../../src/runtime/session.ts';
import { batchOf } from '../../src/train/classifier_data.ts';
import { trainClassifier } from '../../src/train/classifier_training.ts';
import { parameterFeeds } from '../../src/train/feeds.ts';
import { classifierOptimizer } from '../../src/pipeline/classifier_steps.ts';
import { Random } from '../../src/util/random.ts';
import { syntheticSplit, tinyClassifier } from '../helpers/classifier.ts';

const classes = 3;
const { model, params } = tinyClassifier({}, classes);
const seq = model.max_len;
const split = syntheticSplit(8, seq, classes);

async function logits(ps: readonly Parameter[], ia3: boolean): Promise<Float32Array> {
  const g = buildClassifier(model, classes, { batch: 8, seq }, { dropout: 0, withLabels: false, ia3 });
  g.graph.output(g.logits, 'logits');
  const session = await createSession(serializeGraph(g.graph), { threads: 1 });
  const { input_ids, attention_mask } = batchOf(split, Array.from({ length: 8 }, (_, i) => i), 8, seq);
  const out = await session.run(parameterFeeds(ps, { input_ids, attention_mask }) as never);
  await session.release();
  return out.logits.data as Float32Array;
}

describe('(IA)^3', () => {
  it('vectors of 1 change nothing, and merged weights give the unmerged graph within 1e-5', async () => {
    const vectors = initParams(ia3ParamSpecs(model), model, 1);
    const plain = await logits(params, false);
    const ones = await logits([...params, ...vectors], true);
    plain.forEach((v, i) => assert.ok(Math.abs(v - ones[i]) < 1e-6));
    const rng = new Random(5);
    for (const v of vectors) for (let i = 0; i < v.data.length; i++) v.data[i] = 1 + 0.5 * rng.normal();
    const scaled = await logits([...params, ...vectors], true);
    assert.ok(scaled.some((v, i) => Math.abs(v - plain[i]) > 1e-3), 'the vectors change the logits');
    const merged = mergeIa3(model, new Map([...params, ...vectors].map((p) => [p.spec.name, p.data])));
    assert.ok(![...merged.keys()].some((k) => k.startsWith('ia3/')));
    const folded = await logits(params.map((p) => ({ spec: p.spec, data: merged.get(p.spec.name)! })), false);
    folded.forEach((v, i) => assert.ok(Math.abs(v - scaled[i]) < 1e-5, `logit ${i}: merged ${v} vs unmerged ${scaled[i]}`));
  });

  it('trains only the vectors and the head: every other weight stays bit-identical', async () => {
    const vectors = initParams(ia3ParamSpecs(model), model, 1);
    const all = [...params, ...vectors].map((p) => ({ spec: p.spec, data: Float32Array.from(p.data) }));
    const trains = (name: string) => name.startsWith('ia3/') || name.startsWith('classifier.');
    const r = await trainClassifier({ model, classes, params: all, train: split, batch: 4, seq, opt: classifierOptimizer(3e-3), budget: { kind: 'steps', value: 5 }, seed: 0, threads: 1, quiet: true, ia3: true, trains });
    assert.equal(r.m.length, all.length, 'moments line up with the parameters');
    for (const [i, p] of all.entries()) {
      const before = i < params.length ? params[i].data : vectors[i - params.length].data;
      const moved = p.data.some((v, k) => v !== before[k]);
      assert.equal(moved, trains(p.spec.name), `${p.spec.name} ${moved ? 'moved' : 'did not move'}`);
      if (!trains(p.spec.name)) assert.ok(r.m[i].every((v) => v === 0));
    }
  });

  it('refuses a Switch model in one line', () => {
    const moe = tinyClassifier({ n_experts: 2 }, classes).model;
    assert.throws(() => buildClassifier(moe, classes, { batch: 2, seq }, { dropout: 0, withLabels: false, ia3: true }), /\(IA\)\^3 scales a dense FFN; this model has Switch expert layers/);
  });
});
