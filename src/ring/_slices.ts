/**
 * Long ring work in slices that yield to the event loop between them, so a party keeps serving
 * its links (heartbeats, incoming frames) while it copies a weight into the arena or runs a tall
 * product such as the embedding's [n, 50257]·[50257, 768] (issue #14: a party fell silent for
 * 4.4 s). Each slice does about SLICE_MACS multiply-adds or COPY_CHUNK elements: ≈ 10–25 ms on
 * the 2-core EPYC, more when the cores are shared. A product is sliced by output columns (each
 * slice computes whole columns over all of K), so the result is bit-identical to one call.
 */

/** Multiply-adds per slice of a product (≈ 10 ms at 1.5 G MAC/s). */
export const SLICE_MACS = 1 << 24;
/**
 * Elements per step of a copy into the arena (4 MiB): fresh pages of a shared wasm memory fault in
 * at ≈ 170 MB/s here, so a step takes ≈ 25 ms the first time (the 309 MB wte share: ≈ 1.8 s).
 */
export const COPY_CHUNK = 1 << 19;

/** Resolves after one macrotask (setImmediate): timers and I/O callbacks run in between. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Column ranges covering [j0, j1) of an [M, K]·[K, N] product, each about `macs` multiply-adds
 * (at least 8 columns); every start but j0 is j0 plus a multiple of 8 (the packed panel width of
 * mmCols, which needs slice starts at multiples of 8).
 */
export function columnSlices(M: number, K: number, j0: number, j1: number, macs: number = SLICE_MACS): [number, number][] {
  if (j1 <= j0) return [[j0, j1]];
  const width = Math.max(8, Math.floor(macs / Math.max(1, M * K) / 8) * 8);
  const out: [number, number][] = [];
  for (let j = j0; j < j1; j += width) out.push([j, Math.min(j1, j + width)]);
  return out;
}

/** dst[at + i] = src[i], `chunk` elements at a time with a yield in between; `dst()` is re-read per step. */
export async function copyInSteps(dst: () => BigUint64Array, src: BigUint64Array, at: number, chunk: number = COPY_CHUNK): Promise<void> {
  for (let i = 0; i < src.length; i += chunk) {
    if (i > 0) await yieldToLoop();
    dst().set(src.subarray(i, i + chunk), at + i);
  }
}
