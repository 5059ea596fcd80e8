/** Creating onnxruntime-node sessions for tltc graphs, with measured-not-guessed thread settings. */
import os from 'node:os';
import ort from 'onnxruntime-node';
import type { DType } from '../graph/dtype.ts';

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface RuntimeOptions {
  /** intra-op threads; defaults to the available cores. */
  threads?: number;
  optimization?: OptimizationLevel;
  /** Whether idle intra-op threads spin; spinning wastes cores between runs. */
  spinning?: boolean;
  /** Write an onnxruntime profile (JSON trace) whose name starts with this path; `session.endProfiling()` returns the file. */
  profile?: string;
}

export function defaultThreads(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export async function createSession(model: Uint8Array, options: RuntimeOptions = {}): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.threads ?? defaultThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: options.optimization ?? 'all',
    enableProfiling: options.profile !== undefined,
    ...(options.profile !== undefined ? { profileFilePrefix: options.profile } : {}),
    // Errors reach the user once, as tltc's one-line message, not also as onnxruntime's log line.
    logSeverityLevel: 4,
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  };
  try {
    return await ort.InferenceSession.create(model, sessionOptions);
  } catch (err) {
    throw new Error(`onnxruntime rejected the graph: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

type OrtType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** Wraps data as an ORT tensor without copying. */
export function ortTensor(
  dtype: DType,
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array,
  shape: readonly number[],
): ort.Tensor {
  return new ort.Tensor(dtype as OrtType, data as never, shape as number[]);
}

export { ort };
