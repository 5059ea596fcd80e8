import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { serializeGraph } from '../../src/graph/index.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { buildMlmLoss } from '../../src/nn/mlm.ts';
import { initParams, type Parameter } from '../../src/nn/params.ts';
import { ffnCoefficients, headCoefficients } from '../../src/nn/slimming_weights.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { loadCheckpoint } from '../../src/train/checkpoint.ts';
import { EarlyBert, type EarlyBertConfig } from '../../src/train/earlybert.ts';
import { parameterFeeds } from '../../src/train/feeds.ts';
import { Random } from '../../src/util/random.ts';
import { killUntilDone, mobyCorpus, readMetrics, runCli, tmpDir } from '../helpers/cli.ts';
import { seededRandom } from '../helpers/rng.ts';

const config: EarlyBertConfig = { lambda: 1e-4, head_ratio: 1 / 3, ffn_ratio: 0.4, draw_every: 1, threshold: 0.1, window: 1, max_search: 0.5, weights: 'keep', ticket: 'earlybird' };
const full = validateModelConfig({ vocab_size: 60, max_len: 8, d_model: 32, n_layers: 2, n_heads: 4, d_ff: 40, dropout: 0 }, 'test');
const shape = { batch: 2, seq: 8, masked: 4 };
const rng = new Random(6);
const batch = {
  input_ids: ortTensor('int64', BigInt64Array.from({ length: 16 }, () => BigInt(rng.int(60))), [2, 8]),
  masked_positions: ortTensor('int64', BigInt64Array.from([1n, 6n, 10n, 15n]), [4]),
  labels: ortTensor('int64', BigInt64Array.from([4n, 9n, 30n, 51n]), [4]),
};

async function lossOf(model: ModelConfig, params: readonly Parameter[], slimming: boolean): Promise<number> {
  const mlm = buildMlmLoss(model, shape, { dropout: 0, ...(slimming ? { slimming: { lambda: 0 } } : {}) });
  mlm.graph.output(mlm.loss, 'loss');
  const s = await createSession(serializeGraph(mlm.graph), { threads: 1 });
  const out = await s.run(parameterFeeds(params, { ...batch }) as never);
  await s.release();
  return (out.loss.data as Float32Array)[0];
}

describe('EarlyBERT', () => {
  it('the kept ticket computes what the slimmed full model computes with the removed structures at 0', async () => {
    const params = initParams(EarlyBert.searchSpecs(full), { init_std: 0.2 }, 2);
    const coefficients = new Random(8);
    for (const p of params) if (p.spec.name.startsWith('slimming/')) for (let i = 0; i < p.data.length; i++) p.data[i] = 0.2 + coefficients.next();
    const eb = new EarlyBert(config, full);
    assert.equal(eb.afterStep(1, 0.1, 0.5, params), false, 'one draw has no distance yet');
    assert.equal(eb.afterStep(2, 0.2, 1, params), true, 'the same coefficients draw the same masks: distance 0');
    const zeros = (arrays: readonly Parameter[]) => arrays.map((p) => new Float32Array(p.data.length));
    const t = eb.ticket(2, 1, params, zeros(params), zeros(params), () => [], 0);
    assert.deepEqual(t.model.layer_heads, [3, 3]);
    assert.equal(t.model.layer_ffn!.reduce((a, b) => a + b, 0), 80 - 32);
    // The slimmed full model with every removed head and neuron's coefficient set to 0.
    const kept = t.record.kept as { heads: number[][]; neurons: number[][] };
    const masked = params.map((p) => {
      const layer = [0, 1].find((i) => p.spec.name === headCoefficients(i) || p.spec.name === ffnCoefficients(i));
      if (layer === undefined) return p;
      const keep = p.spec.name === headCoefficients(layer) ? kept.heads[layer] : kept.neurons[layer];
      return { spec: p.spec, data: p.data.map((v, i) => (keep.includes(i) ? v : 0)) };
    });
    const [before, after] = [await lossOf(full, masked, true), await lossOf(t.model, t.params, false)];
    assert.ok(Math.abs(before - after) < 1e-5, `full model ${before}, ticket ${after}`);
    assert.equal(eb.state.phase, 'ticket');
  });

  it('tltc train --method earlybert finds a ticket, trains it to the end, and a killed run resumes bit-identically', async () => {
    const dir = tmpDir();
    const env = { TLTC_CACHE_DIR: path.join(dir, 'cache') };
    const cfgFile = path.join(dir, 'eb.json');
    const earlybert = { draw_every: 10, window: 2, threshold: 0.2, lambda: 1e-3 };
    writeFileSync(cfgFile, JSON.stringify({ model: { n_layers: 2, d_model: 32, n_heads: 4 }, data: { corpus: mobyCorpus(dir, 6), vocab_size: 400, seq_len: 32 }, batch_size: 8, budget: '600steps', eval: { interval_s: 0.05, sequences: 8 }, earlybert, seed: 5, threads: 2 }));
    const straight = path.join(dir, 'straight');
    const r = runCli(['train', '--config', cfgFile, '--out', straight, '--quiet', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const ticket = JSON.parse(readFileSync(path.join(straight, 'ticket.json'), 'utf8'));
    assert.ok(ticket.ended_at.step <= 300 && ticket.draws.length >= 2, JSON.stringify(ticket.ended_at));
    assert.deepEqual(ticket.layer_heads, [3, 3]);
    const ck = loadCheckpoint(straight, true);
    assert.deepEqual(ck.config.model.layer_heads, [3, 3]);
    assert.equal(ck.config.state.step, 600);
    assert.ok(![...ck.params.keys()].some((k) => k.startsWith('slimming/')), 'the ticket has no coefficients');
    assert.deepEqual(readMetrics(straight).at(-1)!.step, 600);

    const out = path.join(dir, 'killed');
    const kills = await killUntilDone(['train', '--config', cfgFile, '--quiet'], out, env, { kills: 4, rand: seededRandom(11) });
    assert.equal(kills, 4, `only ${kills} of 4 kills landed before the run finished`);
    const bytes = (run: string) => readFileSync(path.join(run, 'checkpoints', 'step-00000600', 'model.safetensors'));
    assert.ok(bytes(out).equals(bytes(straight)), `the final weights differ after ${kills} kills`);
    assert.deepEqual(JSON.parse(readFileSync(path.join(out, 'ticket.json'), 'utf8')).kept, ticket.kept);

    // The random ticket keeps as many heads and neurons per layer, elsewhere; rewinding is recorded.
    const random = path.join(dir, 'random');
    writeFileSync(cfgFile, JSON.stringify({ ...JSON.parse(readFileSync(cfgFile, 'utf8')), budget: '300steps', earlybert: { ...earlybert, ticket: 'random', weights: 'rewind' } }));
    assert.equal(runCli(['train', '--config', cfgFile, '--out', random, '--quiet'], env).code, 0);
    const other = JSON.parse(readFileSync(path.join(random, 'ticket.json'), 'utf8'));
    assert.equal(other.weights, 'rewind');
    assert.deepEqual(other.kept.neurons.map((n: number[]) => n.length).reduce((a: number, b: number) => a + b), ticket.kept.neurons.map((n: number[]) => n.length).reduce((a: number, b: number) => a + b));
  });
});
