/**
 * Token-level early exit for sequence labelling (Li et al. 2021): the tagger's blocks
 * (tagger_graphs.ts) run layer by layer on the whole batch; after each layer a token halts when
 * the largest entropy in its window (itself and `window` tokens either side, halted neighbours
 * counting with the entropy they left at) is under the threshold. A halted token keeps the tag
 * and the hidden state of the layer it left at: its state is copied into every later layer's
 * output, so the tokens still running attend to it as it was. The blocks compute every token
 * (onnxruntime has no kernel that skips rows inside attention), so what this saves is counted,
 * in token-layers, not timed.
 */
import { softmaxEntropy } from '../nn/early_exit.ts';
import { ortTensor } from '../runtime/session.ts';
import type { ExitSessions } from './early_exit_runner.ts';

export interface TokenExitCriterion {
  /** Entropy in nats, in [0, ln(tags)]: 0 never halts early. */
  threshold: number;
  /** Tokens either side whose uncertainty counts (0: the token alone). */
  window: number;
}

export function checkTokenCriterion(c: TokenExitCriterion, tags: number): TokenExitCriterion {
  const most = Math.log(tags);
  if (!(c.threshold >= 0 && c.threshold <= most)) throw new Error(`token exit threshold ${c.threshold} is outside [0, ln(${tags} tags) = ${most.toFixed(3)}]`);
  if (!(Number.isInteger(c.window) && c.window >= 0)) throw new Error(`token exit window ${c.window} must be a whole number of tokens >= 0`);
  return c;
}

/** Each token's logits from the layer it halted at, and how many layers it ran (0 on padding). */
export interface TokenExitResult {
  logits: Float32Array;
  layers: Int32Array;
}

/** Which tokens halt after this layer: real, still running, and the window's largest entropy under the threshold. */
function halting(entropy: Float64Array, running: Uint8Array, real: BigInt64Array, batch: number, seq: number, c: TokenExitCriterion): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seq; t++) {
      const i = b * seq + t;
      if (!running[i]) continue;
      let worst = 0;
      for (let u = Math.max(0, t - c.window); u <= Math.min(seq - 1, t + c.window); u++) if (real[b * seq + u] !== 0n) worst = Math.max(worst, entropy[b * seq + u]);
      if (worst < c.threshold) out.push(i);
    }
  }
  return out;
}

export async function runTokenExits(s: ExitSessions, ids: BigInt64Array, mask: BigInt64Array, batch: number, seq: number, c: TokenExitCriterion): Promise<TokenExitResult> {
  const [k, d, tokens] = [s.classes, s.dModel, batch * seq];
  const result: TokenExitResult = { logits: new Float32Array(tokens * k), layers: new Int32Array(tokens) };
  const running = Uint8Array.from(mask, (m) => (m !== 0n ? 1 : 0));
  const entropy = new Float64Array(tokens); // the current layer's, or the halting layer's for halted tokens
  const maskTensor = ortTensor('int64', mask, [batch, seq]);
  let hidden = (await s.embeddings.run({ input_ids: ortTensor('int64', ids, [batch, seq]), attention_mask: maskTensor })).hidden_out.data as Float32Array;
  for (let layer = 0; layer < s.layers.length; layer++) {
    const out = await s.layers[layer].run({ hidden: ortTensor('float32', hidden, [batch, seq, d]), attention_mask: maskTensor });
    const next = out.hidden_out.data as Float32Array;
    const logits = out.logits.data as Float32Array;
    for (let i = 0; i < tokens; i++) {
      if (running[i]) entropy[i] = softmaxEntropy(logits.subarray(i * k, (i + 1) * k));
      else if (mask[i] !== 0n) next.set(hidden.subarray(i * d, (i + 1) * d), i * d); // halted: its state is copied upward
    }
    const last = layer === s.layers.length - 1;
    const leaving = last ? Array.from({ length: tokens }, (_, i) => i).filter((i) => running[i]) : halting(entropy, running, mask, batch, seq, c);
    for (const i of leaving) {
      result.logits.set(logits.subarray(i * k, (i + 1) * k), i * k);
      result.layers[i] = layer + 1;
      running[i] = 0;
    }
    hidden = next;
  }
  return result;
}
