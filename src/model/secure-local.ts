/**
 * Secure generation with the three parties and the client in one process, over the in-memory
 * channel (`infer --in-process`, tests). The same party code runs over WebSockets in src/parties.
 */
import type { AShare } from '../protocols/share.js';
import { makeLocalParties } from '../protocols/local.js';
import { mergeMeters, type MergedCost, type Meter } from '../protocols/meter.js';
import type { RingConfig } from '../ring/config.js';
import { DEFAULT_RING_CONFIG } from '../ring/config.js';
import type { ApproxConfig } from '../approx/index.js';
import type { CausalLM } from './arch/causal-lm.js';
import { LocalClient } from './client-port.js';
import type { GenerateResult } from './generate.js';
import type { Ops } from './arch/ops.js';
import type { PlainTensor } from './arch/plain-ops.js';
import { SecureOps, type CheckRanges } from './secure-ops.js';
import { clientGenerate, partyGenerate, type ClientGenerateOptions } from './secure-generate.js';
import { shareWeightsLocal } from './secure-weights.js';
import type { ModelWeights } from './arch/weights.js';

export type ModelFactory<C> = (ops: Ops<AShare>, weights: ModelWeights<C, AShare>) => CausalLM<AShare>;

export interface SecureLocalOptions extends Omit<ClientGenerateOptions, 'vocabSize' | 'contextLength' | 'ring'> {
  readonly ring?: RingConfig;
  readonly approx?: Partial<ApproxConfig>;
  /**
   * Deterministic PRSS seeds, for reproducible tests only. Never derived from `seed`, which is
   * the client's sampling seed: PRSS seeds are the parties' secret randomness, and a value a
   * user types (`infer --seed 1`) would make every mask predictable. Omitted: OS CSPRNG.
   */
  readonly prssSeed?: string;
  /** Checked mode (SecureOps): abort with MPC_ERR_RANGE on an out-of-range value. */
  readonly checkRanges?: CheckRanges | true;
}

export interface SecureLocalRun {
  readonly result: GenerateResult;
  readonly cost: MergedCost;
  readonly meters: [Meter, Meter, Meter];
}

export async function generateSecureLocal<C>(
  factory: ModelFactory<C>,
  weights: ModelWeights<C, PlainTensor>,
  prompt: readonly number[],
  opts: SecureLocalOptions,
): Promise<SecureLocalRun> {
  const ring = opts.ring ?? DEFAULT_RING_CONFIG;
  const { parties, hub } = makeLocalParties({ cfg: ring, ...(opts.prssSeed === undefined ? {} : { seed: opts.prssSeed }) });
  const client = new LocalClient();
  const shares = shareWeightsLocal(weights, ring);
  const models = parties.map((p, i) => factory(new SecureOps(p, client.ports[i], { approx: opts.approx, checkRanges: opts.checkRanges }), shares[i]));
  let first: { e: unknown } | null = null; // the root cause, not the aborts it triggers
  const fail = (e: unknown) => {
    first ??= { e };
    const err = e instanceof Error ? e : new Error(String(e));
    hub.abort(err);
    client.abort(err);
    throw e;
  };
  const params = { promptTokens: prompt.length, maxNewTokens: opts.maxNewTokens, mode: opts.mode ?? 'logits' } as const;
  const partyRuns = parties.map((p, i) => partyGenerate(models[i], client.ports[i], params, p.meter).catch(fail));
  const clientRun = clientGenerate(client, prompt, { ...opts, vocabSize: models[0].vocabSize, contextLength: models[0].contextLength, ring }).catch(fail);
  await Promise.allSettled([clientRun, ...partyRuns]);
  if (first) throw (first as { e: unknown }).e;
  const meters = parties.map((p) => p.meter) as [Meter, Meter, Meter];
  return { result: await clientRun, cost: mergeMeters(meters), meters };
}
