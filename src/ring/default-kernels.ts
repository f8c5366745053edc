/**
 * The kernels protocol code uses unless told otherwise: WebAssembly, or the JS BigInt reference
 * when TRIFORM_KERNELS=js (debugging, cross-checking).
 */
import type { RingKernels } from './kernels.js';
import { jsKernels } from './kernels.js';
import { wasmKernels } from './wasm-kernels.js';

export function defaultKernels(): RingKernels {
  return process.env.TRIFORM_KERNELS === 'js' ? jsKernels : wasmKernels;
}
