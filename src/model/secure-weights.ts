/**
 * The model owner's side: fixed-point encode every weight (NaN/Inf and |w| > WEIGHT_LIMIT rejected,
 * naming the tensor and element)
 * and split it into three replicated shares. Used in-process; the networked upload stores the
 * same shares at each party's data folder (src/parties).
 */
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import { splitShares } from '../protocols/io.js';
import type { RingConfig } from '../ring/config.js';
import { encode } from '../ring/fixed-point.js';
import { Prg } from '../ring/prg.js';
import type { PlainTensor } from './arch/plain-ops.js';
import type { ModelWeights } from './arch/weights.js';
import { checkWeightsRange, WEIGHT_LIMIT } from './weight-range.js';

/** Three parties' share views of the same weights (each checked against the weight limit first). */
export function shareWeightsLocal<C>(w: ModelWeights<C, PlainTensor>, cfg: RingConfig, prg: Prg = Prg.random(), weightLimit = WEIGHT_LIMIT): [ModelWeights<C, AShare>, ModelWeights<C, AShare>, ModelWeights<C, AShare>] {
  checkWeightsRange('<weights>', w.tensors, weightLimit);
  const maps = [new Map<string, AShare>(), new Map<string, AShare>(), new Map<string, AShare>()];
  for (const [name, t] of w.tensors) {
    const parts = splitShares(encode(t.data, cfg, name), prg);
    parts.forEach(([s0, s1], i) => maps[i].set(name, aShare(t.shape, s0, s1)));
  }
  return maps.map((tensors) => ({ config: w.config, tensors })) as unknown as [ModelWeights<C, AShare>, ModelWeights<C, AShare>, ModelWeights<C, AShare>];
}
