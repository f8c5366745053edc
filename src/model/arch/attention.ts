/**
 * Scaled dot-product attention over all heads at once, shared by LLaMA (grouped-query, causal),
 * GPT-2 (causal) and BERT (bidirectional): one `attend` (q·kᵀ, softmax, ·V) for every head.
 *
 *   q [n, H·hs], k, v [T, KVH·hs]  →  y [n, H·hs] = softmax(scale · q kᵀ) v per head
 *
 * Query head h = kv·G + j (G = H / KVH query heads per KV head) uses KV head kv; its rows are
 * batched as [KVH, G·n, hs] so each KV head is multiplied once for its G query heads. With
 * G = 1 this is ordinary multi-head attention. `mask` is the causal mask of n queries after
 * `offset` cached keys (absent: every query sees every key).
 */
import type { CausalMask, Ops } from './ops.js';

export interface AttentionShape {
  heads: number;
  kvHeads: number;
  headSize: number;
  /** Public scale of the scores inside the softmax (GPT-2, BERT: 1/√hs; LLaMA: 1, q is pre-scaled). */
  scale?: number;
}

export async function attention<T>(ops: Ops<T>, q: T, k: T, v: T, s: AttentionShape, mask?: CausalMask): Promise<T> {
  const { heads: H, kvHeads: kvh, headSize: hs } = s;
  if (H % kvh !== 0) throw new RangeError(`attention: ${H} query heads are not a multiple of ${kvh} KV heads`);
  const g = H / kvh;
  const n = ops.shape(q)[0];
  const t = ops.shape(k)[0];
  const qh = ops.reshape(ops.transpose(ops.reshape(q, [n, kvh, g, hs]), [1, 2, 0, 3]), [kvh, g * n, hs]); // [KVH, G·n, hs]
  const kh = ops.transpose(ops.reshape(k, [t, kvh, hs]), [1, 0, 2]); // [KVH, T, hs]
  const vh = ops.transpose(ops.reshape(v, [t, kvh, hs]), [1, 0, 2]); // [KVH, T, hs]
  const yh = await ops.attend(qh, kh, vh, mask, s.scale ?? 1); // [KVH, G·n, hs]; mask rows: (kv, j, i) → query i
  return ops.reshape(ops.transpose(ops.reshape(yh, [kvh, g, n, hs]), [2, 0, 1, 3]), [n, H * hs]); // [n, H·hs]
}
