/**
 * Triform ring kernels: Z_2^64 arithmetic in WebAssembly (AssemblyScript + SIMD).
 *
 * Memory contract: the JS side (src/ring/wasm-kernels.ts) owns all of linear memory above
 * `heapBase()`; it places operands there, calls a kernel with byte pointers and element
 * counts, and copies results out. Nothing here allocates (runtime "stub", no GC). Every
 * array is little-endian u64, 16-byte aligned. Arithmetic wraps mod 2^64.
 */
export * from './elementwise';
export * from './matmul';
export * from './bits';
export * from './fixed';
export * from './dealt-and';

/** First byte the JS side may use (static data, e.g. the bit-transpose scratch, lies below). */
export function heapBase(): usize {
  return __heap_base;
}
