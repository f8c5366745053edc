/**
 * The client's side of the 'generate' program over the network: one-hot shares out, output
 * shares back, sampling here (src/model/secure-generate.ts does the logic).
 */
import type { ClientEnd } from '../model/client-port.js';
import type { GenerateResult } from '../model/generate.js';
import { clientGenerate, type ClientGenerateOptions } from '../model/secure-generate.js';
import { PARTIES } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import type { RunOptions, SessionResult, TriformClient } from './client.js';
import type { ClientSession } from './client-session.js';
import { modelMetaSchema, type ModelMeta } from './generate-program.js';

export function clientEndOf(s: ClientSession): ClientEnd {
  return {
    sendInput: async (tag, shape, values) => s.sendShares(tag, values, shape),
    receiveOutput: (tag, n) => s.reconstruct(tag, n),
    sendProceed: async (go) => {
      for (const j of PARTIES) s.sendBytes(j, 'proceed', Uint8Array.of(go ? 1 : 0));
    },
  };
}

/** The public description of a stored model, asked of party 0. */
export async function remoteModelMeta(client: TriformClient, modelId: string): Promise<{ meta: ModelMeta; fracBits: number }> {
  const r = await client.run('model/info', { modelId });
  const info = r.results[0] as { meta: unknown; ring: { fracBits: number } };
  const meta = modelMetaSchema.safeParse(info.meta);
  if (!meta.success) throw new MpcError('MPC_ERR_INPUT', `model '${modelId}' has no architecture description (share it with npm run share-model -- --model PATH)`);
  return { meta: meta.data, fracBits: info.ring.fracBits };
}

export async function generateRemote(
  client: TriformClient,
  modelId: string,
  prompt: readonly number[],
  opts: ClientGenerateOptions & { checkRanges?: boolean; onProgress?: RunOptions['onProgress'] },
): Promise<SessionResult<GenerateResult>> {
  const params = { modelId, promptTokens: prompt.length, maxNewTokens: opts.maxNewTokens, mode: opts.mode ?? 'logits', ...(opts.checkRanges ? { checkRanges: true } : {}) };
  return client.run('generate', params, (s) => clientGenerate(clientEndOf(s), prompt, opts), { fracBits: opts.ring.fracBits, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
}
