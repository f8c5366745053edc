/**
 * Program 'generate': secure text generation on a model the owner shared earlier (`npm run
 * share-model`). The parties never see the prompt or the output.
 *
 * Party half (the same at the three parties): prefill the prompt, unknown to them, from the
 * client's one-hot shares, then per step send the client the logits' shares (mode 'logits') or
 * the secure argmax's index (mode 'token'), and wait for the client's decision and next one-hot.
 * The number of steps is public.
 * Client half: one-hot encode, reconstruct outputs, sample (llama2.c's sampler) and decide.
 * Both halves follow the same stop rule, so neither waits for a message that never comes.
 *
 * `generateRemote` runs it at three party processes on stored shares; `generateSecureLocal`
 * runs the same two halves in memory on weights shared in this process.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import type { ApproxConfig } from '../approx/index.js';
import { newSession, type CausalLM } from '../model/arch/causal-lm.js';
import { Sampler, type GenerateOptions, type GenerateResult, type OutputMode } from '../model/generate.js';
import { Gpt2 } from '../model/arch/gpt2.js';
import { Llama } from '../model/arch/llama.js';
import { checkTokens, tokenCount, type Ops } from '../model/arch/ops.js';
import type { PlainTensor } from '../model/arch/plain-ops.js';
import type { ModelWeights } from '../model/arch/weights.js';
import type { Gpt2Config } from '../model/formats/gpt2-checkpoint.js';
import type { LlamaConfig } from '../model/formats/llama2c.js';
import { SecureOps, type CheckRanges } from '../model/secure-ops.js';
import { shareWeightsLocal } from '../model/secure-weights.js';
import { reconstruct, sendAll, sendShares, type ClientLink, type ClientLinks } from '../protocols/client-link.js';
import { MpcError } from '../protocols/errors.js';
import type { Party } from '../protocols/context.js';
import { enableTuplePool } from '../protocols/tuple-pool.js';
import type { MergedCost, Meter } from '../protocols/meter.js';
import type { AShare } from '../protocols/share.js';
import { DEFAULT_RING_CONFIG, type RingConfig } from '../ring/config.js';
import { decode } from '../ring/fixed-point.js';
import { sizeOf } from '../ring/tensor.js';
import type { RunOptions, SessionResult, TriformClient } from '../parties/client.js';
import type { LoadStatus } from '../parties/load-progress.js';
import type { Logger } from '../parties/log.js';
import { Deferred } from '../parties/mailbox.js';
import { loadModelSharesAsync, modelIdSchema, readManifest, type ModelShares } from '../parties/model-store.js';
import type { ProgramDef } from '../parties/program-table.js';
import { modelMetaSchema } from './model.js';
import { runInMemory } from './run-in-memory.js';

export const generateParams = z
  .object({
    modelId: modelIdSchema,
    promptTokens: z.number().int().min(1).max(1 << 16),
    maxNewTokens: z.number().int().min(1).max(1 << 16),
    mode: z.enum(['logits', 'token']),
    /** Checked mode (SecureOps checkRanges): one range check per layer, abort with MPC_ERR_RANGE. */
    checkRanges: z.boolean().optional(),
    /** Make each decode step's 1-round truncation tuples at its start, from the step before's claims (tuple-pool.ts). */
    tuplePool: z.boolean().optional(),
  })
  .strict();
export type GenerateParams = z.infer<typeof generateParams>;

// ---- party half -------------------------------------------------------------------------

export interface SecureGenerateParams {
  readonly promptTokens: number;
  readonly maxNewTokens: number;
  readonly mode: OutputMode;
  /** Keep a tuple pool (tuple-pool.ts) for this party context's session: every phase starts it, and decode steps from the second on take their tuples from it. */
  readonly tuplePoolOn?: Party;
}

/** The parties' loop (run identically at the three parties). */
export async function partyGenerate(model: CausalLM<AShare>, client: ClientLink, params: SecureGenerateParams, meter?: { scope<T>(label: string, fn: () => Promise<T>): Promise<T> }): Promise<void> {
  const { ops } = model;
  if (params.maxNewTokens <= 0) return;
  const root = params.tuplePoolOn;
  const pool = root && enableTuplePool(root);
  const run = <T>(label: string, fn: () => Promise<T>) => {
    // each phase (the prefill, every decode step) starts the pool first: it records the phase's claims and serves them from the last phase of its kind;
    // the first decode step, with no step before it, serves its later layers from its earlier ones (segments, tuple-pool.ts)
    const phase = () => {
      if (pool && root) pool.beginPhase(root, label, label === 'decode');
      return fn();
    };
    return meter ? meter.scope(label, phase) : phase();
  };
  const session = newSession(model);
  const emit = async (logits: AShare) => {
    if (params.mode === 'token') await ops.reveal(await ops.argmax(logits));
    else await ops.reveal(logits);
  };
  await run('prefill', async () => emit(await session.prefill(tokenCount(params.promptTokens))));
  for (let i = 1; i < params.maxNewTokens && session.position < model.contextLength; i++) {
    if ((await client.recv('proceed', 'u8', 1))[0] !== 1) return;
    await run('decode', async () => emit(await session.prefill(tokenCount(1))));
  }
}

// The last model loaded (or being loaded), kept between sessions (a party usually serves one model).
interface Loading {
  key: string;
  shares: Promise<ModelShares>;
  /** The latest status (a listener that joins mid-load starts from it); final once loaded. */
  status: LoadStatus;
  loaded: boolean;
  listeners: Set<(p: LoadStatus) => void>;
}
let cached: Loading | null = null;

/** Event-loop sampling interval while a model loads (the delay reported is beyond this). */
const DELAY_RESOLUTION_MS = 10;

function startLoad(key: string, dataDir: string, modelId: string, log?: Logger): Loading {
  const m = readManifest(dataDir, modelId);
  const bytesTotal = m.tensors.reduce((t, x) => t + 16 * sizeOf(x.shape), 0);
  const t0 = performance.now();
  const delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  delay.enable();
  const entry: Loading = { key, shares: null as unknown as Promise<ModelShares>, status: { modelId, done: 0, total: m.tensors.length, bytesDone: 0, bytesTotal, ms: 0 }, loaded: false, listeners: new Set() };
  const emit = (p: LoadStatus) => {
    entry.status = p;
    for (const f of entry.listeners) {
      try {
        f(p);
      } catch (e) {
        log?.warn({ modelId, err: (e as Error).message }, 'load progress listener failed'); // a status line must not fail the load
      }
    }
  };
  let next = 0;
  entry.shares = loadModelSharesAsync(dataDir, modelId, (p) => {
    const ms = performance.now() - t0;
    if (p.done < p.tensors) {
      emit({ modelId, done: p.done, total: p.tensors, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal, ms });
      if (p.bytesDone < next) return;
      next = p.bytesDone + p.bytesTotal / 10;
      log?.info({ modelId, tensors: `${p.done}/${p.tensors}`, mb: Math.round(p.bytesDone / 1e6), ms: Math.round(ms) }, `loading model '${modelId}': ${p.done}/${p.tensors} tensors`);
    }
  }).then(
    (shares) => {
      delay.disable();
      const ms = performance.now() - t0;
      const maxDelayMs = Math.max(0, delay.max / 1e6 - DELAY_RESOLUTION_MS);
      log?.info({ modelId, tensors: m.tensors.length, mb: Math.round(bytesTotal / 1e6), ms: Math.round(ms), maxDelayMs: Math.round(maxDelayMs) }, `model '${modelId}' loaded: ${m.tensors.length} tensors in ${Math.round(ms)} ms, event loop delay ≤ ${Math.round(maxDelayMs)} ms`);
      entry.loaded = true;
      emit({ modelId, done: m.tensors.length, total: m.tensors.length, bytesDone: bytesTotal, bytesTotal, ms, maxDelayMs });
      entry.listeners.clear();
      return shares;
    },
    (e: unknown) => {
      delay.disable();
      entry.listeners.clear();
      throw e;
    },
  );
  return entry;
}

/**
 * This party's shares of a stored model, loaded without blocking the event loop (links stay
 * alive) and kept for later sessions; `log` gets progress about every 10 % of the bytes, and
 * `onProgress` every tensor (from the current status on, if the load is under way; one
 * `cached` status if the model is already in memory).
 */
export function sharesOf(dataDir: string, modelId: string, log?: Logger, onProgress?: (p: LoadStatus) => void): Promise<ModelShares> {
  const key = `${dataDir}\0${modelId}\0${readManifest(dataDir, modelId).createdAt}`; // a re-upload (--overwrite) is a new model
  if (cached?.key !== key) {
    cached = null; // let the previous model be collected before loading the next
    const entry = startLoad(key, dataDir, modelId, log);
    cached = entry;
    entry.shares.catch(() => {
      if (cached === entry) cached = null; // a failed load is retried by the next session
    });
  }
  const entry = cached;
  if (onProgress) {
    const st = entry.status;
    if (entry.loaded) onProgress({ modelId, done: st.total, total: st.total, bytesDone: st.bytesTotal, bytesTotal: st.bytesTotal, ms: 0, cached: true });
    else {
      onProgress(entry.status);
      entry.listeners.add(onProgress);
    }
  }
  return entry.shares;
}

export function modelFromShares(shares: ModelShares, ops: SecureOps): CausalLM<AShare> {
  const meta = modelMetaSchema.safeParse(shares.manifest.meta);
  if (!meta.success) throw new MpcError('MPC_ERR_INPUT', `model '${shares.manifest.modelId}' has no usable architecture description (share it with npm run share-model -- --model PATH)`);
  const weights = { config: meta.data.config, tensors: shares.tensors };
  return meta.data.arch === 'llama'
    ? new Llama(ops, weights as unknown as { config: LlamaConfig; tensors: Map<string, AShare> })
    : new Gpt2(ops, weights as unknown as { config: Gpt2Config; tensors: Map<string, AShare> });
}

export const generateProgram: ProgramDef<GenerateParams, { steps: number }> = {
  name: 'generate',
  description: 'secure generation on a stored model; the client sends one-hot shares and receives logits or token shares',
  params: generateParams,
  async run(party, session, params) {
    const shares = await sharesOf(session.dataDir, params.modelId, session.log, session.progress ? (p) => session.progress?.(p) : undefined);
    if (shares.manifest.ring.fracBits !== party.cfg.fracBits) {
      throw new MpcError('MPC_ERR_CONFIG', `model '${params.modelId}' was shared with f=${shares.manifest.ring.fracBits}, session uses f=${party.cfg.fracBits}`);
    }
    const model = modelFromShares(shares, new SecureOps(party, session.client, { checkRanges: params.checkRanges === true }));
    await partyGenerate(model, session.client, { promptTokens: params.promptTokens, maxNewTokens: params.maxNewTokens, mode: params.mode, ...(params.tuplePool ? { tuplePoolOn: party } : {}) }, party.meter);
    return { steps: party.meter.records.get('decode')?.calls ?? 0 };
  },
};

// ---- client half ------------------------------------------------------------------------

export function oneHot(tokens: readonly number[], vocab: number): BigUint64Array {
  const out = new BigUint64Array(tokens.length * vocab);
  tokens.forEach((t, i) => (out[i * vocab + t] = 1n));
  return out;
}

export interface ClientGenerateOptions extends GenerateOptions {
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly ring: RingConfig;
  /** Called with the decoded logits of every step (mode 'logits'), e.g. for fidelity checks. */
  readonly onLogits?: (logits: Float64Array, index: number) => void;
}

/** The client's loop: mirrors partyGenerate's steps. */
export async function clientGenerate(links: ClientLinks, prompt: readonly number[], opts: ClientGenerateOptions): Promise<GenerateResult> {
  const mode = opts.mode ?? 'logits';
  const temperature = opts.temperature ?? 0;
  if (mode === 'token' && temperature !== 0) throw new RangeError("mode 'token' decodes greedily (secure argmax); use mode 'logits' to sample");
  checkTokens(prompt, opts.vocabSize);
  if (prompt.length > opts.contextLength) throw new RangeError(`prompt of ${prompt.length} tokens exceeds the context length ${opts.contextLength}`);
  const sampler = new Sampler(temperature, opts.topP ?? 1, opts.seed ?? 1);
  const stop = new Set(opts.stopTokens ?? []);
  const tokens: number[] = [];
  const decodeMs: number[] = [];
  let prefillMs = 0;
  if (opts.maxNewTokens <= 0) return { tokens, stoppedBy: 'length', prefillMs, decodeMs };
  let t0 = performance.now();
  sendShares(links, 'onehot', oneHot(prompt, opts.vocabSize), [prompt.length, opts.vocabSize]);
  let position = prompt.length;
  for (let i = 0; ; i++) {
    let next: number;
    if (mode === 'token') {
      next = Math.round(decode(await reconstruct(links, 'output', 1), opts.ring)[0]);
    } else {
      const logits = decode(await reconstruct(links, 'output', opts.vocabSize), opts.ring);
      opts.onLogits?.(logits, i);
      next = sampler.sample(logits);
    }
    if (i === 0) prefillMs = performance.now() - t0;
    else decodeMs.push(performance.now() - t0);
    tokens.push(next);
    opts.onToken?.(next, i);
    // The parties stop on their own at the length and context limits.
    if (i + 1 >= opts.maxNewTokens) return { tokens, stoppedBy: stop.has(next) ? 'stop' : 'length', prefillMs, decodeMs };
    if (position >= opts.contextLength) return { tokens, stoppedBy: stop.has(next) ? 'stop' : 'context', prefillMs, decodeMs };
    if (stop.has(next)) {
      sendAll(links, 'proceed', Uint8Array.of(0));
      return { tokens, stoppedBy: 'stop', prefillMs, decodeMs };
    }
    t0 = performance.now();
    sendAll(links, 'proceed', Uint8Array.of(1));
    sendShares(links, 'onehot', oneHot([next], opts.vocabSize), [1, opts.vocabSize]);
    position++;
  }
}

/** Generate at three party processes on the stored model `modelId`. */
export async function generateRemote(
  client: TriformClient,
  modelId: string,
  prompt: readonly number[],
  opts: ClientGenerateOptions & { checkRanges?: boolean; tuplePool?: boolean; onProgress?: RunOptions['onProgress'] },
): Promise<SessionResult<GenerateResult>> {
  const params: GenerateParams = { modelId, promptTokens: prompt.length, maxNewTokens: opts.maxNewTokens, mode: opts.mode ?? 'logits', ...(opts.checkRanges ? { checkRanges: true } : {}), ...(opts.tuplePool ? { tuplePool: true } : {}) };
  return client.run('generate', params, (links) => clientGenerate(links, prompt, opts), { fracBits: opts.ring.fracBits, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
}

// ---- in memory --------------------------------------------------------------------------

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
  /** The tuple pool (tuple-pool.ts) for the decode steps. */
  readonly tuplePool?: boolean;
}

export interface SecureLocalRun {
  readonly result: GenerateResult;
  readonly cost: MergedCost;
  readonly meters: [Meter, Meter, Meter];
}

/** Generate with the three parties and the client in this process, on weights shared here. */
export async function generateSecureLocal<C>(factory: ModelFactory<C>, weights: ModelWeights<C, PlainTensor>, prompt: readonly number[], opts: SecureLocalOptions): Promise<SecureLocalRun> {
  const ring = opts.ring ?? DEFAULT_RING_CONFIG;
  const shares = shareWeightsLocal(weights, ring);
  const params = { promptTokens: prompt.length, maxNewTokens: opts.maxNewTokens, mode: opts.mode ?? 'logits' } as const;
  // the client half needs the model's public dimensions: the first party to build its model gives them
  const dims = new Deferred<{ vocabSize: number; contextLength: number }>();
  const run = await runInMemory(
    async (party, session) => {
      let model: CausalLM<AShare>;
      try {
        model = factory(new SecureOps(party, session.client, { approx: opts.approx, checkRanges: opts.checkRanges }), shares[party.id]);
      } catch (e) {
        dims.reject(e as Error);
        throw e;
      }
      dims.resolve({ vocabSize: model.vocabSize, contextLength: model.contextLength });
      await partyGenerate(model, session.client, { ...params, ...(opts.tuplePool ? { tuplePoolOn: party } : {}) }, party.meter);
    },
    async (links) => clientGenerate(links, prompt, { ...opts, ...(await dims.promise), ring }),
    { cfg: ring, ...(opts.prssSeed === undefined ? {} : { seed: opts.prssSeed }) },
  );
  return { result: run.local, cost: run.cost, meters: run.meters };
}
