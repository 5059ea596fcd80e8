import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradients } from '../../src/autodiff/index.ts';
import { Graph, serializeGraph } from '../../src/graph/index.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { distillParamSpecs, layerMap, softTargetLoss, TEACHER_PREFIX, teacherMismatch, type DistillOptions } from '../../src/nn/distill.ts';
import { buildMlmLoss, mlmLossParamSpecs } from '../../src/nn/mlm.ts';
import { initParams, mlmParamSpecs, type Parameter } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';
import { checkDirectionalGradients } from '../helpers/directional.ts';

const model = (layers: number, d: number, heads: number): ModelConfig =>
  validateModelConfig({ vocab_size: 50, max_len: 8, d_model: d, n_layers: layers, n_heads: heads, d_ff: 2 * d, dropout: 0, init_std: 0.3 }, 'test');
const shape = { batch: 2, seq: 8, masked: 4 };
const options = (teacher: ModelConfig, o: Partial<DistillOptions> = {}): DistillOptions => ({ teacher, alpha: 0.5, temperature: 2, hiddenWeight: 1, attentionWeight: 1, ...o });

function batchFeeds(rng: Random): Record<string, unknown> {
  return {
    input_ids: ortTensor('int64', BigInt64Array.from({ length: 16 }, () => BigInt(rng.int(50))), [2, 8]),
    masked_positions: ortTensor('int64', BigInt64Array.from([1n, 3n, 9n, 14n]), [4]),
    labels: ortTensor('int64', BigInt64Array.from({ length: 4 }, () => BigInt(rng.int(50))), [4]),
  };
}

const teacherFeeds = (params: readonly Parameter[]) => Object.fromEntries(params.map((p) => [`${TEACHER_PREFIX}${p.spec.name}`, ortTensor('float32', p.data, p.spec.shape)]));
const paramFeeds = (params: readonly Parameter[]) => Object.fromEntries(params.map((p) => [p.spec.name, ortTensor('float32', p.data, p.spec.shape)]));

/** Parameters moved off their initial values so every path (norms, biases) carries gradient. */
function perturbed(specs: Parameters<typeof initParams>[0], c: ModelConfig, seed: number, rng: Random): Parameter[] {
  const params = initParams(specs, c, seed);
  for (const p of params) {
    if (p.spec.init === 'normal') continue;
    if (typeof p.spec.init === 'object') p.data.fill(1);
    for (let i = 0; i < p.data.length; i++) p.data[i] += 0.3 * rng.normal();
  }
  return params;
}

async function lossOf(student: ModelConfig, o: DistillOptions | undefined, params: readonly Parameter[], teacher: readonly Parameter[], batch: Record<string, unknown>): Promise<number> {
  const mlm = buildMlmLoss(student, shape, { dropout: 0, ...(o ? { distill: o } : {}) });
  mlm.graph.output(mlm.loss, 'loss');
  const session = await createSession(serializeGraph(mlm.graph), { threads: 1 });
  const out = await session.run({ ...batch, ...paramFeeds(params), ...(o ? teacherFeeds(teacher) : {}) } as never);
  return out.loss.data[0] as number;
}

describe('pretraining distillation loss', () => {
  it('maps student layers onto teacher layers evenly, embeddings to embeddings and last to last', () => {
    assert.deepEqual(layerMap({ n_layers: 2 }, { n_layers: 4 }), [[0, 0], [1, 2], [2, 4]]);
    assert.deepEqual(layerMap({ n_layers: 3 }, { n_layers: 4 }), [[0, 0], [1, 1], [2, 3], [3, 4]]);
  });

  for (const [name, teacher] of [['equal head counts', model(3, 32, 2)], ['head counts that differ', model(2, 24, 3)]] as const) {
    it(`matches directional finite differences for the student and its projections (${name})`, async () => {
      const student = model(2, 16, 2);
      const o = options(teacher);
      const mlm = buildMlmLoss(student, shape, { dropout: 0, distill: o });
      const grads = gradients(mlm.loss, mlm.params);
      mlm.graph.output(mlm.loss, 'loss');
      grads.forEach((g, i) => mlm.graph.output(g, `g${i}`));
      const session = await createSession(serializeGraph(mlm.graph), { threads: 1, optimization: 'disabled' });
      const rng = new Random(3);
      const params = perturbed(mlmLossParamSpecs(student, { distill: o }), student, 2, rng);
      const fixed = { ...batchFeeds(rng), ...teacherFeeds(perturbed(mlmParamSpecs(teacher), teacher, 5, rng)) };
      // The three losses together curve more than one does: a smaller step keeps the difference central.
      await checkDirectionalGradients(session, params, fixed, rng, { h: 3e-3 });
    });
  }

  it('is zero when the teacher is the student and the projections are the identity', async () => {
    const c = model(2, 16, 2);
    const o = options(c, { alpha: 1 });
    const rng = new Random(4);
    const student = perturbed(mlmParamSpecs(c), c, 1, rng);
    const projections = initParams(distillParamSpecs(c, o), c, 0).map((p) => {
      p.data.fill(0);
      for (let i = 0; i < 16; i++) p.data[i * 16 + i] = 1;
      return p;
    });
    const loss = await lossOf(c, o, [...student, ...projections], student, batchFeeds(rng));
    assert.ok(Math.abs(loss) < 1e-5, `loss ${loss}`);
  });

  it('is the plain masked-LM loss at alpha 0 with matching switched off', async () => {
    const student = model(2, 16, 2);
    const teacher = model(4, 32, 2);
    const rng = new Random(5);
    const params = perturbed(mlmParamSpecs(student), student, 1, rng);
    const batch = batchFeeds(rng);
    const plain = await lossOf(student, undefined, params, [], batch);
    const distilled = await lossOf(student, options(teacher, { alpha: 0, hiddenWeight: 0, attentionWeight: 0 }), params, initParams(mlmParamSpecs(teacher), teacher, 9), batch);
    assert.ok(Math.abs(plain - distilled) < 1e-6, `${plain} vs ${distilled}`);
  });

  it('the soft-target loss is T^2 KL averaged over the rows its weights keep', async () => {
    const g = new Graph('soft');
    const [t, st, w] = [g.input('t', 'float32', [2, 3]), g.input('s', 'float32', [2, 3]), g.input('w', 'float32', [2])];
    g.output(softTargetLoss(t, st, 2, w), 'loss');
    const session = await createSession(serializeGraph(g), { threads: 1 });
    const teacher = [1, 2, 3, 9, -9, 0];
    const student = [0, 0, 1, 5, 5, 5];
    const run = async (weights: number[]) => (await session.run({ t: ortTensor('float32', Float32Array.from(teacher), [2, 3]), s: ortTensor('float32', Float32Array.from(student), [2, 3]), w: ortTensor('float32', Float32Array.from(weights), [2]) })).loss.data[0] as number;
    const softmax = (xs: number[]) => xs.map((x) => Math.exp(x / 2) / xs.reduce((a, y) => a + Math.exp(y / 2), 0));
    const kl = (row: number) => {
      const [p, q] = [softmax(teacher.slice(3 * row, 3 * row + 3)), softmax(student.slice(3 * row, 3 * row + 3))];
      return p.reduce((a, pi, i) => a + pi * Math.log(pi / q[i]), 0);
    };
    assert.ok(Math.abs((await run([1, 0])) - 4 * kl(0)) < 1e-5, 'a row of weight 0 counts for nothing');
    assert.ok(Math.abs((await run([1, 1])) - 2 * (kl(0) + kl(1))) < 1e-5);
  });

  it('names what makes a teacher unusable', () => {
    const student = model(2, 16, 2);
    assert.match(teacherMismatch(student, { teacher: { ...model(4, 32, 2), vocab_size: 60 } }, 8)!, /vocabulary has 60 tokens and the student's 50/);
    assert.match(teacherMismatch(student, { teacher: model(4, 32, 2) }, 16)!, /positions for 8 tokens/);
    assert.equal(teacherMismatch(student, { teacher: model(4, 32, 2) }, 8), null);
  });
});
