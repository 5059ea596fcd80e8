export * from './dtype.ts';
export * from './shape.ts';
export * from './tensor.ts';
export * from './graph.ts';
export * from './serialize.ts';
export * as ops from './ops/index.ts';
