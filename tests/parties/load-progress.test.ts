/**
 * Model-loading progress from the parties to the client (load-progress.ts): the rate limit, the
 * client's check of a received message, the opt-in (a party never sends `progress` to a client
 * that did not ask), and three real party processes loading a synthetic gpt2-tiny for a
 * session: monotone progress from every party ending in a final status, then `cached`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticCheckpoint } from '../../src/model/synthetic-models.js';
import type { PartyId } from '../../src/protocols/channel.js';
import { TriformClient } from '../../src/parties/client.js';
import { describeProgress, parseProgress, progressSender, ProgressThrottle, type LoadStatus } from '../../src/parties/load-progress.js';
import type { PartyProcess } from '../../src/parties/local-cluster.js';
import type { SecureLink } from '../../src/parties/secure-link.js';
import { PartySession } from '../../src/parties/session-state.js';
import { generateRemote } from '../../src/programs/generate.js';
import { uploadModel } from '../../src/programs/model.js';
import { DEFAULT_RING_CONFIG } from '../../src/ring/config.js';
import { WAIT_MS, startPartyProcesses, stopPartyProcesses, type Setup } from './helpers.js';

const status = (done: number, total = 10): LoadStatus => ({ modelId: 'm', done, total, bytesDone: 16 * done, bytesTotal: 16 * total, ms: done });

describe('progress messages', () => {
  it('the throttle passes the first status, then one per interval, always the final one, nothing after it', () => {
    let now = 0;
    const sent: number[] = [];
    const th = new ProgressThrottle((p) => sent.push(p.done), 250, () => now);
    for (let d = 0; d <= 10; d++) {
      th.update(status(d));
      now += 100;
    }
    th.update(status(10));
    expect(sent).toEqual([0, 3, 6, 9, 10]);
  });

  it('the client accepts well-formed counts only', () => {
    expect(parseProgress({ op: 'progress', ...status(3), maxDelayMs: 4 })).toEqual({ ...status(3), maxDelayMs: 4 });
    for (const bad of [{ done: 11 }, { done: -1 }, { modelId: '' }, { bytesDone: 1e6 }, { cached: 'yes' }, { ms: 1.5 }, { modelId: 'x'.repeat(65) }]) {
      expect(parseProgress({ ...status(3), ...bad })).toBeNull();
    }
  });

  it('human lines: loading, loaded with the event-loop delay, cached', () => {
    expect(describeProgress(0, { ...status(37, 148), modelId: 'gpt2-base', bytesDone: 5e8, bytesTotal: 1.9e9 })).toBe('P0 loading gpt2-base: 37/148 tensors, 0.5/1.9 GB');
    expect(describeProgress(2, { ...status(148, 148), modelId: 'gpt2-base', bytesDone: 1.9e9, bytesTotal: 1.9e9, ms: 41_234, maxDelayMs: 12 })).toBe('P2 loaded gpt2-base: 148/148 tensors, 1.9/1.9 GB in 41.2 s (event loop delay ≤ 12 ms)');
    expect(describeProgress(1, { ...status(10), cached: true })).toBe('P1 model m: loaded (cached)');
  });

  it("a party sends progress only to a client whose open asked for it (older clients close on unknown ops)", () => {
    const sent: unknown[] = [];
    const link = { closed: false, sendControl: (m: unknown) => sent.push(m) } as unknown as SecureLink;
    const open = (progress: boolean) => {
      const s = new PartySession('sid', 1 << 20);
      s.open = { program: 'generate', params: {}, paramsHash: '', fracBits: 18, client: link, clientName: 'client', progress };
      return progressSender(s, 1);
    };
    open(false)(status(10));
    expect(sent).toEqual([]);
    open(true)(status(10));
    expect(sent).toEqual([{ op: 'progress', s: 'sid', from: 1, ...status(10) }]);
  });
});

describe('progress from three real party processes loading gpt2-tiny', () => {
  let setup: Setup;
  let procs: PartyProcess[] = [];
  let client: TriformClient;
  const ck = syntheticCheckpoint('gpt2-tiny');
  const cfg = ck.config as { vocabSize: number; nPositions: number };
  const opts = { vocabSize: cfg.vocabSize, contextLength: cfg.nPositions, ring: DEFAULT_RING_CONFIG, maxNewTokens: 1 };

  beforeAll(async () => {
    ({ setup, procs } = await startPartyProcesses({ heartbeatTimeoutMs: 5000 }));
    await uploadModel(setup.config, 'gpt2-tiny', ck.tensors, undefined, { identity: setup.client, meta: { arch: ck.arch, config: ck.config, summary: ck.summary, tokenizer: ck.tokenizer } });
    client = await TriformClient.connect({ config: setup.config, identity: setup.client, connectTimeoutMs: WAIT_MS });
  }, 120_000);

  afterAll(() => stopPartyProcesses(client, procs, setup)); // keys, config and the parties' data folders (the shares) go too

  const collect = () => {
    const got: LoadStatus[][] = [[], [], []];
    return { got, onProgress: (j: PartyId, p: LoadStatus) => got[j].push(p) };
  };

  it('the first session: each party reports monotone progress ending in a final status with its event-loop delay', async () => {
    const { got, onProgress } = collect();
    const r = await generateRemote(client, 'gpt2-tiny', [3, 4], { ...opts, onProgress });
    expect(r.local.tokens).toHaveLength(1);
    for (const msgs of got) {
      expect(msgs.length).toBeGreaterThanOrEqual(2); // the start (0 tensors) and the end
      expect(msgs[0]).toMatchObject({ modelId: 'gpt2-tiny', done: 0, total: ck.tensors.size, bytesDone: 0 });
      for (let k = 1; k < msgs.length; k++) {
        expect(msgs[k].done).toBeGreaterThanOrEqual(msgs[k - 1].done);
        expect(msgs[k].bytesDone).toBeGreaterThanOrEqual(msgs[k - 1].bytesDone);
      }
      const last = msgs.at(-1) as LoadStatus;
      expect(last).toMatchObject({ done: ck.tensors.size, total: ck.tensors.size });
      expect(last.bytesDone).toBe(last.bytesTotal);
      expect(last.cached).toBeUndefined();
      expect(typeof last.maxDelayMs).toBe('number');
    }
    for (const p of procs) await p.waitFor(/model 'gpt2-tiny' loaded: .* event loop delay/, WAIT_MS);
  });

  it('the next session uses the loaded model: one `cached` status per party', async () => {
    const { got, onProgress } = collect();
    await generateRemote(client, 'gpt2-tiny', [3], { ...opts, onProgress });
    for (const msgs of got) expect(msgs).toEqual([{ modelId: 'gpt2-tiny', done: ck.tensors.size, total: ck.tensors.size, bytesDone: msgs[0].bytesTotal, bytesTotal: msgs[0].bytesTotal, ms: 0, cached: true }]);
  });

  it('a client that does not ask gets no progress and its session runs as before', async () => {
    const r = await generateRemote(client, 'gpt2-tiny', [3], opts);
    expect(r.local.tokens).toHaveLength(1);
  });
});
