/**
 * Secure generation over three real party processes (encrypted WebSockets on loopback): the
 * model owner shares stories260K, the client generates from BOS, and the ids equal llama2.c's
 * greedy reference, in 'logits' and in 'token' mode.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointWeights } from '../../src/model/formats/checkpoint.js';
import { TriformClient } from '../../src/parties/client.js';
import { REPO_ROOT, type PartyProcess } from '../../src/parties/local-cluster.js';
import { generateRemote } from '../../src/programs/generate.js';
import { uploadModel } from '../../src/programs/model.js';
import { DEFAULT_RING_CONFIG } from '../../src/ring/config.js';
import { startPartyProcesses, stopPartyProcesses, type Setup } from './helpers.js';

const MODELS = process.env.TRIFORM_MODELS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'models');
const BIN = join(MODELS, 'stories260K', 'stories260K.bin');
const REF = join(MODELS, 'stories260K', 'reference.json');
const have = existsSync(BIN) && existsSync(REF);
if (!have) console.warn(`[tests/parties] SKIPPING networked generation: ${BIN} not found (see README.md, "Models for tests")`);
const title = (t: string) => (have ? t : `${t} [SKIPPED: ../shared/models/stories260K not found]`);

describe.skipIf(!have)(title('secure generation over three real party processes'), () => {
  let setup: Setup;
  let procs: PartyProcess[] = [];
  let client: TriformClient;
  const ref = have ? (JSON.parse(readFileSync(REF, 'utf8')) as { greedy_ids_200: number[] }) : { greedy_ids_200: [] };

  beforeAll(async () => {
    ({ setup, procs } = await startPartyProcesses({ heartbeatTimeoutMs: 5000 }, 60_000));
    const ck = loadCheckpointWeights(BIN);
    const tensors = new Map([...ck.weights.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    await uploadModel(setup.config, 'stories260K', tensors, undefined, { identity: setup.client, meta: { arch: ck.arch, config: { ...(ck.weights.config as object) }, summary: ck.summary } });
    client = await TriformClient.connect({ config: setup.config, identity: setup.client });
  }, 120_000);

  afterAll(() => stopPartyProcesses(client, procs, setup)); // keys, config and the parties' data folders (the shares) go too

  const opts = { vocabSize: 512, contextLength: 512, ring: DEFAULT_RING_CONFIG };

  it('10 tokens from BOS in logits mode equal the greedy reference; per-party costs come back', async () => {
    const r = await generateRemote(client, 'stories260K', [1], { ...opts, maxNewTokens: 10 });
    expect([1, ...r.local.tokens]).toEqual(ref.greedy_ids_200.slice(0, 11));
    expect(r.cost.ops.decode.calls).toBe(9);
    expect(r.cost.bytesTotal).toBeGreaterThan(0);
  });

  it("'token' mode (secure argmax at the parties) gives the same ids", async () => {
    const r = await generateRemote(client, 'stories260K', [1], { ...opts, maxNewTokens: 8, mode: 'token' });
    expect([1, ...r.local.tokens]).toEqual(ref.greedy_ids_200.slice(0, 9));
  });

  it('the tuple pool (tuplePool, infer --tuple-pool) over the network: same ids, the decode steps from the second on make their tuples at their start', async () => {
    const r = await generateRemote(client, 'stories260K', [1], { ...opts, maxNewTokens: 6, tuplePool: true });
    expect([1, ...r.local.tokens]).toEqual(ref.greedy_ids_200.slice(0, 7));
    expect(r.cost.ops['decode/tuplePool']?.offlineBytesTotal ?? 0).toBeGreaterThan(0);
  });

  it('checked mode (checkRanges, infer --check-ranges) over the network: same ids, one range check per layer', async () => {
    const r = await generateRemote(client, 'stories260K', [1], { ...opts, maxNewTokens: 3, checkRanges: true });
    expect([1, ...r.local.tokens]).toEqual(ref.greedy_ids_200.slice(0, 4));
    expect(r.cost.ops['prefill/layer0/rangeCheck']?.calls).toBe(1);
    expect(r.cost.ops['decode/layer4/rangeCheck']?.calls).toBe(2);
  });

  it('an unknown model id fails with a clear error and the parties keep serving', async () => {
    await expect(generateRemote(client, 'no-such-model', [1], { ...opts, maxNewTokens: 2 })).rejects.toThrow(/no-such-model/);
    const r = await generateRemote(client, 'stories260K', [1], { ...opts, maxNewTokens: 2 });
    expect(r.local.tokens).toEqual(ref.greedy_ids_200.slice(1, 3));
  });
});
