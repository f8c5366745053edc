/**
 * The model owner's range check, run where weights are encoded into fixed point (shareWeightsLocal,
 * uploadModel / share-model): a weight the secure computation cannot carry is rejected with a
 * ModelFileError naming the tensor and the element, never clamped into silent garbage.
 *
 * The limit, |w| ≤ 2^10 = 1024 (WEIGHT_LIMIT), comes from the fixed-point bounds (README,
 * "Range limits"): fMatmul needs every sum of products below real 2^(62 − 2f) = 2^26 at f = 18;
 * with the largest activation the norms accept (|x| ≤ 2^12, approx norm.inputBound) one product
 * w·x stays ≤ 2^22, leaving a factor 16 for the accumulation, and with activations of a normalised
 * row (|x| ≲ 2^5) a D = 4096 dot product of such weights still fits. Real checkpoints are far
 * inside it (stories260K max |w| ≈ 4.4; GPT-2 and LLaMA weights are O(1)–O(10)). The encoding
 * itself would accept |w| < 2^(62 − f) = 2^44, but products of such weights overflow.
 */
import { ModelFileError } from './errors.js';

export const WEIGHT_LIMIT = 1024;

/** Throws MODEL_ERR_NONFINITE (NaN/±Inf) or MODEL_ERR_RANGE (|w| > limit), naming tensor and index. */
export function checkWeightRange(file: string, tensor: string, data: ArrayLike<number>, limit = WEIGHT_LIMIT): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Math.abs(v) <= limit) continue; // the common case; NaN fails this comparison too
    if (!Number.isFinite(v)) throw new ModelFileError('MODEL_ERR_NONFINITE', file, `element ${i} is ${v}`, tensor);
    let count = 0;
    for (let j = i; j < data.length; j++) if (!(Math.abs(data[j]) <= limit)) count++;
    throw new ModelFileError(
      'MODEL_ERR_RANGE',
      file,
      `element ${i} is ${v}, beyond the fixed-point weight limit ±${limit} (${count} element${count === 1 ? '' : 's'} of ${data.length} out of range; see README "Range limits")`,
      tensor,
    );
  }
}

/** checkWeightRange over every tensor of a model, in order. */
export function checkWeightsRange(file: string, tensors: Iterable<[string, { data: ArrayLike<number> }]>, limit = WEIGHT_LIMIT): void {
  for (const [name, t] of tensors) checkWeightRange(file, name, t.data, limit);
}

/** Largest |w| of a tensor (for reports). */
export function maxAbsOf(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]));
  return m;
}
