/**
 * The 'generate' program: secure text generation at the parties on a model the owner shared
 * earlier (`npm run share-model`). The parties never see the prompt or the output: the client
 * sends one-hot shares and receives output shares (see src/model/secure-generate.ts).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import { MpcError } from '../protocols/errors.js';
import type { AShare } from '../protocols/share.js';
import type { CausalLM } from '../model/arch/causal-lm.js';
import type { ClientPort } from '../model/client-port.js';
import { Gpt2 } from '../model/arch/gpt2.js';
import type { Gpt2Config } from '../model/formats/gpt2-checkpoint.js';
import { Llama } from '../model/arch/llama.js';
import type { LlamaConfig } from '../model/formats/llama2c.js';
import { SecureOps } from '../model/secure-ops.js';
import { partyGenerate } from '../model/secure-generate.js';
import { sizeOf } from '../ring/tensor.js';
import { type LoadStatus } from './load-progress.js';
import { loadModelSharesAsync, modelIdSchema, readManifest, type ModelShares } from './model-store.js';
import type { Logger } from './log.js';
import type { ClientIO, ProgramDef } from './programs.js';

/** What share-model stores as the public `meta` of a model. */
export const modelMetaSchema = z.object({
  arch: z.enum(['llama', 'gpt2']),
  config: z.record(z.string(), z.unknown()),
  summary: z.string().optional(),
  /** 'bytes': a synthetic model (share-model --synthetic) whose clients use the byte tokenizer. */
  tokenizer: z.literal('bytes').optional(),
});
export type ModelMeta = z.infer<typeof modelMetaSchema>;

export const generateParams = z
  .object({
    modelId: modelIdSchema,
    promptTokens: z.number().int().min(1).max(1 << 16),
    maxNewTokens: z.number().int().min(1).max(1 << 16),
    mode: z.enum(['logits', 'token']),
    /** Checked mode (SecureOps checkRanges): one range check per layer, abort with MPC_ERR_RANGE. */
    checkRanges: z.boolean().optional(),
  })
  .strict();
export type GenerateParams = z.infer<typeof generateParams>;

/** The client's side of the session, as the model code sees it. */
export function clientPortOf(io: ClientIO): ClientPort {
  return {
    input: (tag, shape) => io.recvShare(tag, shape),
    output: async (tag, x) => io.sendShare(tag, x),
    proceed: async () => (await io.recvBytes('proceed', 1))[0] === 1,
  };
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
  async run(party, io, params) {
    const shares = await sharesOf(io.dataDir, params.modelId, io.log, io.progress ? (p) => io.progress?.(p) : undefined);
    if (shares.manifest.ring.fracBits !== party.cfg.fracBits) {
      throw new MpcError('MPC_ERR_CONFIG', `model '${params.modelId}' was shared with f=${shares.manifest.ring.fracBits}, session uses f=${party.cfg.fracBits}`);
    }
    const port = clientPortOf(io);
    const model = modelFromShares(shares, new SecureOps(party, port, { checkRanges: params.checkRanges === true }));
    await partyGenerate(model, port, params, party.meter);
    return { steps: party.meter.records.get('decode')?.calls ?? 0 };
  },
};
