/**
 * Exported graphs against recorded outputs: a fixed model exported in each weight format must give
 * the logits and hidden states recorded in test/fixtures/export_golden.json (within 1e-5) and a
 * file of the recorded size, so a change to how the layers are built cannot silently change what
 * ships. `TLTC_WRITE_GOLDEN=1` rewrites the fixture (only after a deliberate change of the files).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { buildEncoderExport, type ExportHead } from '../../src/export/encoder_graph.ts';
import { parseWeightFormat } from '../../src/export/weight_format.ts';
import { serializeGraph } from '../../src/graph/index.ts';
import { classifierParamSpecs } from '../../src/nn/classifier.ts';
import { validateModelConfig, type ModelConfig } from '../../src/nn/config.ts';
import { initParams, mlmParamSpecs } from '../../src/nn/params.ts';
import { createSession, ortTensor } from '../../src/runtime/session.ts';
import { Random } from '../../src/util/random.ts';
import { ROOT } from '../helpers/cli.ts';

const FIXTURE = path.join(ROOT, 'test/fixtures/export_golden.json');
const CLASSES = 5;
const [BATCH, SEQ] = [3, 12];

interface Case {
  name: string;
  head: ExportHead;
  norm: 'pre' | 'post';
  quant: string;
  quantizeEmbeddings: boolean;
  /** Structured pruning: heads and FFN width per layer. */
  pruned?: boolean;
}

const CASES: Case[] = [
  { name: 'classifier fp32', head: 'classifier', norm: 'pre', quant: 'fp32', quantizeEmbeddings: false },
  { name: 'classifier int8', head: 'classifier', norm: 'pre', quant: 'int8', quantizeEmbeddings: true },
  { name: 'classifier 4-bit g32', head: 'classifier', norm: 'pre', quant: 'int4', quantizeEmbeddings: true },
  { name: 'classifier 4-bit per channel', head: 'classifier', norm: 'pre', quant: '4:per-channel', quantizeEmbeddings: false },
  { name: 'pruned post-LN classifier 3-bit g64', head: 'classifier', norm: 'post', quant: '3:g64', quantizeEmbeddings: true, pruned: true },
  { name: 'masked LM fp32', head: 'mlm', norm: 'pre', quant: 'fp32', quantizeEmbeddings: false },
  { name: 'masked LM int8', head: 'mlm', norm: 'pre', quant: 'int8', quantizeEmbeddings: true },
  { name: 'masked LM 4-bit g32', head: 'mlm', norm: 'post', quant: 'int4', quantizeEmbeddings: true },
];

function modelOf(c: Case): ModelConfig {
  const pruned = c.pruned ? { layer_heads: [1, 2], layer_ffn: [100, 37] } : {};
  return validateModelConfig({ vocab_size: 260, max_len: 16, d_model: 64, n_layers: 2, n_heads: 2, d_ff: 128, dropout: 0, init_std: 0.1, norm: c.norm, ...pruned }, 'golden');
}

function weightsOf(c: Case, model: ModelConfig): Map<string, Float32Array> {
  const specs = c.head === 'classifier' ? classifierParamSpecs(model, CLASSES) : mlmParamSpecs(model);
  const params = initParams(specs, model, 11);
  const rng = new Random(12);
  for (const p of params) if (p.spec.init !== 'normal') for (let i = 0; i < p.data.length; i++) p.data[i] += 0.1 * rng.normal();
  return new Map(params.map((p) => [p.spec.name, p.data]));
}

/** Right-padded rows of 12, 7 and 3 tokens. */
function inputs() {
  const rng = new Random(13);
  const ids = new BigInt64Array(BATCH * SEQ).fill(1n);
  const mask = new BigInt64Array(BATCH * SEQ);
  [12, 7, 3].forEach((n, b) => {
    for (let t = 0; t < n; t++) {
      ids[b * SEQ + t] = BigInt(t === 0 ? 0 : 5 + rng.int(255));
      mask[b * SEQ + t] = 1n;
    }
  });
  return { input_ids: ortTensor('int64', ids, [BATCH, SEQ]), attention_mask: ortTensor('int64', mask, [BATCH, SEQ]) };
}

/** Every 37th value: enough to see any change, small enough to commit. */
const sample = (a: Float32Array) => Array.from(a.filter((_, i) => i % 37 === 0));

async function run(c: Case): Promise<{ bytes: number; logits: number[]; hidden: number[] }> {
  const model = modelOf(c);
  const format = parseWeightFormat(c.quant);
  const file = serializeGraph(buildEncoderExport({ model, head: c.head, numLabels: CLASSES, params: weightsOf(c, model), format, quantizeEmbeddings: c.quantizeEmbeddings }));
  const session = await createSession(file, { threads: 1 });
  const out = await session.run(inputs() as never);
  await session.release();
  return { bytes: file.length, logits: sample(out.logits.data as Float32Array), hidden: sample(out.last_hidden_state.data as Float32Array) };
}

const maxDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('exports against recorded outputs', () => {
  if (process.env.TLTC_WRITE_GOLDEN === '1') {
    it('records the fixture', async () => {
      const golden: Record<string, unknown> = {};
      for (const c of CASES) golden[c.name] = await run(c);
      writeFileSync(FIXTURE, `${JSON.stringify(golden)}\n`);
    });
    return;
  }
  const golden = existsSync(FIXTURE) ? (JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Awaited<ReturnType<typeof run>>>) : {};
  for (const c of CASES) {
    it(`${c.name}: the recorded logits, hidden states and file size`, async () => {
      const want = golden[c.name];
      assert.ok(want, `${FIXTURE} has no entry "${c.name}"`);
      const got = await run(c);
      assert.equal(got.logits.length, want.logits.length);
      assert.ok(maxDiff(got.logits, want.logits) < 1e-5, `logits differ by ${maxDiff(got.logits, want.logits)}`);
      assert.ok(maxDiff(got.hidden, want.hidden) < 1e-5, `hidden states differ by ${maxDiff(got.hidden, want.hidden)}`);
      assert.equal(got.bytes, want.bytes, 'file size');
    });
  }
});
