/**
 * The kernels protocol code uses unless told otherwise: WebAssembly (with the large protocol
 * matmuls on the threads set by setRingThreads, see threads.ts), or the JS BigInt reference when
 * TRIFORM_KERNELS=js (debugging, cross-checking).
 */
import type { RingKernels } from './kernels.js';
import { jsKernels } from './kernels.js';
import { threadedKernels } from './threads.js';

export function defaultKernels(): RingKernels {
  return process.env.TRIFORM_KERNELS === 'js' ? jsKernels : threadedKernels;
}
