/**
 * Training activations as (batch * seq, d) rows against (batch, seq, d): `tsx scripts/bench/layout.ts SPEC [rounds] [steps]`.
 * Builds the spec's training step both ways from the same layers (nn/layout.ts), rows with Gemm
 * linear layers (what tltc trains with) and (B, T, D) with batched FusedMatMul linear layers, and
 * times them in alternating rounds; prints CPU milliseconds per step of each round as JSON lines.
 */
import { readBenchSpec } from '../../src/bench/spec.ts';
import { benchStep, randomBatch } from '../../src/bench/train_bench.ts';
import { Graph, ops, serializeGraph, type Tensor } from '../../src/graph/index.ts';
import type { ModelConfig } from '../../src/nn/config.ts';
import { encode, mlmHead, modelContext, staticPositions } from '../../src/nn/encoder.ts';
import { DYNAMIC, rowsLayout, type TokenLayout } from '../../src/nn/layout.ts';
import { dropoutMaskInputs } from '../../src/nn/layers.ts';
import type { MlmShape } from '../../src/nn/mlm.ts';
import { initParams, mlmParamSpecs } from '../../src/nn/params.ts';
import { ParameterInputs } from '../../src/nn/weights.ts';
import { ortTensor } from '../../src/runtime/session.ts';
import type { OptimizerConfig } from '../../src/train/optimizer.ts';
import { addOptimizerStep } from '../../src/train/step_graph.ts';
import { StepRunner } from '../../src/train/step_runner.ts';
import { Random } from '../../src/util/random.ts';

/** Linear layers on (B, T, D) as one FusedMatMul by the stored (out, in) weight, plus the bias. */
class BatchedWeights extends ParameterInputs {
  override linear(x: Tensor, name: string): Tensor {
    return ops.add(ops.fusedMatMul(x, this.weight(`${name}.weight`), { transB: true }), this.weight(`${name}.bias`));
  }
}

function stepGraph(c: ModelConfig, shape: MlmShape, opt: OptimizerConfig, layout: TokenLayout) {
  const g = new Graph('layout');
  const weights = layout.kind === 'rows' ? new ParameterInputs(g, mlmParamSpecs(c)) : new BatchedWeights(g, mlmParamSpecs(c));
  const ids = g.input('input_ids', 'int64', [shape.batch, shape.seq]);
  const masked = g.input('masked_positions', 'int64', [shape.masked]);
  const labels = g.input('labels', 'int64', [shape.masked]);
  const maskInputs = dropoutMaskInputs(g);
  const ctx = modelContext(c, { weights, layout, kernels: 'contrib', dropout: c.dropout, dropoutMask: maskInputs.make });
  const hidden = ops.reshape(encode(ids, staticPositions(ids, shape.seq), c, ctx), [shape.batch * shape.seq, c.d_model]);
  const { loss } = ops.softmaxCrossEntropy(mlmHead(ops.gather(hidden, masked), c, ctx), labels, { ignoreIndex: -100 });
  addOptimizerStep(loss, weights.inputs, mlmParamSpecs(c).map((s) => s.decay), opt);
  return { bytes: serializeGraph(g), dropoutMasks: maskInputs.masks.map((m) => m.shape as number[]) };
}

const spec = readBenchSpec(process.argv[2] ?? '../shared/bench/mlm-small.json');
const [rounds, steps] = [Number(process.argv[3] ?? 3), Number(process.argv[4] ?? 8)];
const { model, shape, opt, specs } = benchStep(spec);
const batch = randomBatch(shape, model.vocab_size, new Random(11));
const feeds = {
  input_ids: ortTensor('int64', batch.inputIds, [shape.batch, shape.seq]),
  masked_positions: ortTensor('int64', batch.maskedPositions, [shape.masked]),
  labels: ortTensor('int64', batch.labels, [shape.masked]),
};
for (let round = 0; round < rounds; round++) {
  for (const layout of [rowsLayout(shape), DYNAMIC]) {
    const runner = await StepRunner.create(stepGraph(model, shape, opt, layout), initParams(specs, model, 0), null, { ratio: model.dropout, seed: 0 }, { threads: spec.threads });
    await runner.step(feeds, 1, 0);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < steps; i++) await runner.step(feeds, i + 2, 0.5);
    const cpu = process.cpuUsage(cpu0);
    await runner.release();
    const activations = layout.kind === 'rows' ? 'rows (B*T, D), Gemm' : '(B, T, D), FusedMatMul';
    process.stdout.write(`${JSON.stringify({ spec: spec.name, round, activations, cpu_ms_per_step: Math.round((cpu.user + cpu.system) / 1000 / steps) })}\n`);
  }
}
