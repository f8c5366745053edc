/**
 * The 'generate' program: secure text generation at the parties on a model the owner shared
 * earlier (`npm run share-model`). The parties never see the prompt or the output: the client
 * sends one-hot shares and receives output shares (see src/model/secure-generate.ts).
 */
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
let cached: { key: string; shares: Promise<ModelShares> } | null = null;

/**
 * This party's shares of a stored model, loaded without blocking the event loop (links stay
 * alive) and kept for later sessions; `log` gets progress about every 10 % of the bytes.
 */
export function sharesOf(dataDir: string, modelId: string, log?: Logger): Promise<ModelShares> {
  const key = `${dataDir}\0${modelId}\0${readManifest(dataDir, modelId).createdAt}`; // a re-upload (--overwrite) is a new model
  if (cached?.key !== key) {
    cached = null; // let the previous model be collected before loading the next
    const t0 = performance.now();
    let next = 0;
    const shares = loadModelSharesAsync(dataDir, modelId, (p) => {
      if (p.bytesDone < next && p.done < p.tensors) return;
      next = p.bytesDone + p.bytesTotal / 10;
      log?.info({ modelId, tensors: `${p.done}/${p.tensors}`, mb: Math.round(p.bytesDone / 1e6), ms: Math.round(performance.now() - t0) }, `loading model '${modelId}': ${p.done}/${p.tensors} tensors`);
    });
    const entry = { key, shares };
    cached = entry;
    shares.catch(() => {
      if (cached === entry) cached = null; // a failed load is retried by the next session
    });
  }
  return cached.shares;
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
    const shares = await sharesOf(io.dataDir, params.modelId, io.log);
    if (shares.manifest.ring.fracBits !== party.cfg.fracBits) {
      throw new MpcError('MPC_ERR_CONFIG', `model '${params.modelId}' was shared with f=${shares.manifest.ring.fracBits}, session uses f=${party.cfg.fracBits}`);
    }
    const port = clientPortOf(io);
    const model = modelFromShares(shares, new SecureOps(party, port, { checkRanges: params.checkRanges === true }));
    await partyGenerate(model, port, params, party.meter);
    return { steps: party.meter.records.get('decode')?.calls ?? 0 };
  },
};
