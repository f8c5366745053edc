/** The ring layer's public API: Z_2^64 tensors, the arithmetic config, kernels, fixed point. */
export * from './tensor.js';
export * from './config.js';
export * from './kernels.js';
export * from './wasm-kernels.js';
export * from './fixed-point.js';
export * from './prg.js';
export * from './threads.js';
export { MatmulPool, RingWorkerError } from './matmul-pool.js';
