export * from './elementwise.ts';
export * from './reduce.ts';
export * from './shape.ts';
export * from './matmul.ts';
export * from './nn.ts';
export * from './loss.ts';
export * from './quant.ts';
export { scalar, scalarLike, int64s } from './util.ts';
