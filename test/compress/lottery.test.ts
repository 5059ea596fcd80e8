import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CompressionConstraints, prunableWeights } from '../../src/compress/constraints.ts';
import { magnitudeMasks, randomMasks } from '../../src/compress/prune.ts';
import type { Parameter } from '../../src/nn/params.ts';
import { findTicket, parseRewind, ticketSchedule, type TicketPlan } from '../../src/pipeline/lottery.ts';
import type { Checkpoint } from '../../src/train/checkpoint.ts';
import { syntheticSplit, tinyClassifier } from '../helpers/classifier.ts';
import { tmpDir } from '../helpers/cli.ts';

const classes = 3;
const close = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) < 1e-12);

/** Positions (tensor name, index) whose weight is exactly zero. */
function zeros(params: readonly Parameter[], names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const p of params.filter((q) => names.includes(q.spec.name))) p.data.forEach((v, i) => v === 0 && out.add(`${p.spec.name}:${i}`));
  return out;
}

function pruned(masks: ReadonlyMap<string, Uint8Array>): Set<string> {
  const out = new Set<string>();
  for (const [name, mask] of masks) mask.forEach((keep, i) => keep === 0 && out.add(`${name}:${i}`));
  return out;
}

/** A ticket run on the tiny classifier: `trained` prunes, `rewind` is what survivors restart from. */
async function ticketOf(plan: TicketPlan, budget: string) {
  const { model, params: trained } = tinyClassifier({}, classes, 1);
  const { params: rewind } = tinyClassifier({}, classes, 2);
  const from = { dir: tmpDir(), tokenizerJson: '{}' } as unknown as Checkpoint;
  const labels = ['a', 'b', 'c'];
  const run = { model, labels, train: syntheticSplit(32, 16, classes), batch: 8, budget, lr: 1e-3, seed: 4, threads: 1, quiet: true, outDir: tmpDir(), from, record: {} };
  const asMap = (ps: readonly Parameter[]) => new Map(ps.map((p) => [p.spec.name, p.data]));
  const found = await findTicket(plan, asMap(trained), asMap(rewind), { ...run, finalConstraints: (pruning) => new CompressionConstraints(prunableWeights(model), pruning, null) });
  return { model, trained, rewind, found };
}

describe('lottery tickets', () => {
  it('imp rounds remove the same fraction of the survivors each round, the last one clipped to the target', () => {
    assert.ok(close(ticketSchedule('imp', { rounds: 3, perRound: 0.2 }), [0.2, 0.36, 0.488]));
    assert.ok(close(ticketSchedule('imp', { prune: 0.7, perRound: 0.2 }), [0.2, 0.36, 0.488, 0.5904, 0.67232, 0.7]));
    assert.ok(close(ticketSchedule('imp', { prune: 0.36, perRound: 0.2 }), [0.2, 0.36]), 'a target reached exactly takes no extra round');
    assert.deepEqual(ticketSchedule('random', { prune: 0.5 }), [0.5]);
    assert.throws(() => ticketSchedule('imp', { prune: 0.5, rounds: 2 }), /not both/);
    assert.throws(() => ticketSchedule('imp', {}), /needs --prune S .* or --rounds R/);
    assert.throws(() => ticketSchedule('random', { rounds: 2 }), /--method random needs --prune/);
    assert.throws(() => ticketSchedule('imp', { rounds: 2, perRound: 1 }), /--prune-per-round 1: must be in \(0, 1\)/);
    assert.equal(parseRewind('pretrained'), 'pretrained');
    assert.equal(parseRewind('50'), 50);
    for (const bad of ['0', '-3', '2.5', 'start']) assert.throws(() => parseRewind(bad), /--rewind-to must be "pretrained" or a fine-tuning step/);
  });

  it('random masks prune exactly floor(s n) weights across all tensors, the same ones for the same seed', () => {
    const targets = [
      { name: 'a', data: new Float32Array(300).fill(1) },
      { name: 'b', data: new Float32Array(700).fill(5) },
    ];
    const one = randomMasks(targets, 0.45, 7);
    const count = (m: Uint8Array) => m.reduce((n, k) => n + (k === 0 ? 1 : 0), 0);
    assert.equal(count(one.get('a')!) + count(one.get('b')!), 450);
    // Uniform over positions, whatever the magnitudes: each tensor loses about its share.
    assert.ok(Math.abs(count(one.get('a')!) / 300 - 0.45) < 0.1 && Math.abs(count(one.get('b')!) / 700 - 0.45) < 0.1);
    assert.deepEqual(randomMasks(targets, 0.45, 7), one);
    assert.notDeepEqual(randomMasks(targets, 0.45, 8), one);
  });

  it('imp: each round prunes by the last round\'s trained weights, keeps what earlier rounds pruned, and trains the rewound survivors', async () => {
    const plan: TicketPlan = { method: 'imp', schedule: [0.2, 0.36], rewindTo: 'pretrained' };
    const { model, trained, rewind, found } = await ticketOf(plan, '4steps');
    const names = prunableWeights(model);
    const total = trained.filter((p) => names.includes(p.spec.name)).reduce((n, p) => n + p.data.length, 0);
    const final = zeros(found.params, names);
    assert.equal(final.size, Math.floor(0.36 * total));
    const first = pruned(magnitudeMasks(names.map((name) => ({ name, data: trained.find((p) => p.spec.name === name)!.data })), 0.2, 'global'));
    for (const z of first) assert.ok(final.has(z), `${z}, pruned in round 1, is back`);
    assert.deepEqual(found.rounds.map((r) => [r.round, r.sparsity, r.steps]), [[1, 0.2, 4], [2, 0.36, 4]]);
    // The survivors restarted from the rewind point and moved from it, not from the trained weights.
    const name = names[0];
    const [after, start, dense] = [found.params, rewind, trained].map((ps) => ps.find((p) => p.spec.name === name)!.data);
    let [nearStart, nearDense] = [0, 0];
    after.forEach((v, i) => {
      if (v === 0) return;
      nearStart += Math.abs(v - start[i]);
      nearDense += Math.abs(v - dense[i]);
    });
    assert.ok(nearStart > 0 && nearStart < nearDense / 5, `distance to the rewind point ${nearStart}, to the trained weights ${nearDense}`);
  });

  it('random: the ticket keeps exactly the positions of the seeded random mask', async () => {
    const { model, rewind, found } = await ticketOf({ method: 'random', schedule: [0.5], rewindTo: 'pretrained' }, '3steps');
    const names = prunableWeights(model);
    const expected = pruned(randomMasks(names.map((name) => ({ name, data: rewind.find((p) => p.spec.name === name)!.data })), 0.5, 4));
    assert.deepEqual(zeros(found.params, names), expected);
  });
});
