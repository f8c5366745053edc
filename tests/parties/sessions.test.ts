/**
 * Sessions over real WebSockets (three in-process party servers on loopback): the self-test
 * against plaintext and against the in-memory cost, queueing, 50 sequential sessions, fresh
 * randomness per session, model upload and reload, bad requests, a party stopping mid-session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtinPrograms } from '../../src/programs/index.js';
import { loadModelShares } from '../../src/parties/model-store.js';
import type { ProgramDef } from '../../src/parties/program-table.js';
import { checkSelftest, selftestClient, selftestInputs, selftestLocal } from '../../src/programs/selftest.js';
import { uploadModel } from '../../src/programs/model.js';
import type { PartyId } from '../../src/protocols/channel.js';
import { reconstruct, recvU64, sendShare, sendShares } from '../../src/protocols/client-link.js';
import { MpcError } from '../../src/protocols/errors.js';
import { Prg } from '../../src/ring/prg.js';
import { decodeFixed } from '../../src/parties/_fixed.js';
import { DEFAULT_RING_CONFIG } from '../../src/ring/config.js';
import { partyDataDir } from '../../src/parties/config.js';
import { SLACK_MS, WAIT_MS, startCluster, type Cluster } from './helpers.js';

/** Test-only programs: PRSS samples (fresh seeds per session) and revealing a stored model. */
const prssProgram: ProgramDef<Record<string, never>, { next: string; prev: string }> = {
  name: 'test/prss',
  description: 'first PRSS words (test only)',
  params: z.object({}).strict(),
  async run(p) {
    return { next: p.prss.next.ring(2).join(','), prev: p.prss.prev.ring(2).join(',') };
  },
};
const revealModel: ProgramDef<{ modelId: string }, { names: string[] }> = {
  name: 'test/reveal-model',
  description: 'reveal every stored tensor to the client (test only)',
  params: z.object({ modelId: z.string() }).strict(),
  async run(p, session, { modelId }) {
    const m = loadModelShares(session.dataDir, modelId);
    expect(m.manifest.party).toBe(p.id);
    for (const x of m.tensors.values()) sendShare(session.client, 'reveal', x);
    return { names: [...m.tensors.keys()] };
  },
};
const slowProgram: ProgramDef<{ rounds: number }, null> = {
  name: 'test/slow',
  description: 'many small rounds (test only)',
  params: z.object({ rounds: z.number().int() }).strict(),
  async run(p, _io, { rounds }) {
    for (let r = 0; r < rounds; r++) {
      p.comm.sendBytes(p.comm.next, 'slow', new Uint8Array(8));
      await p.comm.recvBytes(p.comm.prev, 'slow', 8);
    }
    return null;
  },
};

let c: Cluster;
beforeAll(async () => {
  c = await startCluster({ heartbeatTimeoutMs: 1500, limits: { clientInputTimeoutMs: 800 }, programs: () => builtinPrograms().register(prssProgram).register(revealModel).register(slowProgram) });
});
afterAll(() => c.stop());

describe('sessions over WebSockets', () => {
  it('self-test: correct results, and bytes and rounds equal the in-memory run', async () => {
    const client = await c.connect();
    const N = 12;
    const inp = selftestInputs(N, new Prg(new Uint8Array(16).fill(3)));
    const r = await client.run('selftest', { size: N }, (s) => selftestClient(s, N, inp));
    expect(checkSelftest(N, inp, r.local)).toEqual([]);
    const local = await selftestLocal(N, inp);
    expect(r.cost.bytesSent).toEqual(local.cost.bytesSent);
    expect(r.cost.offlineBytesSent).toEqual(local.cost.offlineBytesSent);
    expect(r.cost.rounds).toBe(local.cost.rounds);
    for (const [label, op] of Object.entries(local.cost.ops)) {
      const { calls, bytesSent, bytesTotal, offlineBytesTotal, rounds } = op;
      expect(r.cost.ops[label]).toMatchObject({ calls, bytesSent, bytesTotal, offlineBytesTotal, rounds });
    }
    // framing overhead is reported separately from the protocol bytes
    r.stats.forEach((st, j) => {
      const sealed = st.wire.reduce((t, w) => t + w.sealedBytesSent, 0);
      const payload = st.wire.reduce((t, w) => t + w.payloadBytesSent, 0);
      expect(payload).toBe(r.cost.bytesSent[j] + r.cost.offlineBytesSent[j]); // online + offline (dealer) frames
      expect(sealed).toBeGreaterThan(payload);
      expect(st.io.bytesIn).toBe(4 * 2 * N * N * 8);
    });
  });

  it('runs 50 sequential sessions without restart, with fresh PRSS seeds each time', async () => {
    const client = await c.connect();
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 9) {
        const inp = selftestInputs(4);
        const r = await client.run('selftest', { size: 4 }, (s) => selftestClient(s, 4, inp));
        expect(checkSelftest(4, inp, r.local)).toEqual([]);
        continue;
      }
      const r = await client.run('test/prss', {});
      const [a, b, d] = r.results as { next: string; prev: string }[];
      // P_i.next = P_{i+1}.prev (shared seed); all seeds differ between sessions
      expect(a.next).toBe(b.prev);
      expect(b.next).toBe(d.prev);
      expect(d.next).toBe(a.prev);
      for (const v of [a.next, b.next, d.next]) {
        expect(seen.has(v)).toBe(false);
        seen.add(v);
      }
    }
    expect(c.servers.every((s) => s.sessions.served >= 50)).toBe(true);
  });

  it('queues concurrent sessions from two clients', async () => {
    const [c1, c2] = [await c.connect(), await c.connect()];
    const runs = [c1, c2, c1, c2].map((cl, i) => cl.run('test/slow', { rounds: 20 + i }));
    const rs = await Promise.all(runs);
    expect(rs.map((r) => r.cost.rounds)).toEqual([20, 21, 22, 23]);
  });

  it('uploads model shares once and loads them in a later session', async () => {
    const client = await c.connect();
    const w = new Float64Array(6 * 5).map((_, i) => (i - 15) / 8);
    const b = new Float32Array([0.5, -0.25, 3]);
    const tensors = new Map([
      ['h.0.w', { shape: [6, 5], data: w }],
      ['h.0.b', { shape: [3], data: b }],
      ['empty', { shape: [0, 4], data: new Float64Array(0) }],
    ]);
    const progress: number[] = [];
    const up = await uploadModel(c.config, 'tiny', tensors, (p) => progress.push(p.elementsDone), { client, chunkElements: 7 });
    expect(up.results.map((r) => (r as { elements: number }).elements)).toEqual([33, 33, 33]);
    expect(progress.at(-1)).toBe(33);
    const m = loadModelShares(partyDataDir(c.config, 1), 'tiny');
    expect(m.manifest.ring.fracBits).toBe(DEFAULT_RING_CONFIG.fracBits);
    expect([...m.tensors.entries()].map(([k, v]) => [k, v.shape])).toEqual([['h.0.w', [6, 5]], ['h.0.b', [3]], ['empty', [0, 4]]]);
    const info = await client.run('model/info', { modelId: 'tiny' });
    expect(info.results[2]).toMatchObject({ modelId: 'tiny', tensors: [{ name: 'h.0.w', shape: [6, 5] }, { name: 'h.0.b', shape: [3] }, { name: 'empty', shape: [0, 4] }] });
    const r = await client.run('test/reveal-model', { modelId: 'tiny' }, async (links) => [await reconstruct(links, 'reveal', 30), await reconstruct(links, 'reveal', 3), await reconstruct(links, 'reveal', 0)]);
    expect(Array.from(decodeFixed(r.local[0], DEFAULT_RING_CONFIG))).toEqual(Array.from(w));
    expect(Array.from(decodeFixed(r.local[1], DEFAULT_RING_CONFIG))).toEqual([0.5, -0.25, 3]);
    // a second upload under the same id needs overwrite
    await expect(uploadModel(c.config, 'tiny', tensors, undefined, { client })).rejects.toMatchObject({ code: 'MPC_ERR_INPUT' });
    await expect(uploadModel(c.config, 'nan', new Map([['x', { shape: [2], data: new Float64Array([1, NaN]) }]]), undefined, { client })).rejects.toMatchObject({ code: 'MPC_ERR_INPUT' });
    await uploadModel(c.config, 'tiny', tensors, undefined, { client, overwrite: true });
  });

  const stories = '../shared/models/stories260K/stories260K.bin';
  it('uploads a real llama2.c checkpoint (stories260K) and reveals it back exactly', async (ctx) => {
    const { existsSync } = await import('node:fs');
    if (!existsSync(stories)) {
      console.log(`skipped: ${stories} not found (shared models folder absent)`);
      ctx.skip();
    }
    const { loadLlama2c } = await import('../../src/model/formats/llama2c.js');
    const w = loadLlama2c(stories);
    const tensors = new Map([...w.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    const client = await c.connect();
    await uploadModel(c.config, 'stories260K', tensors, undefined, { client, meta: { config: { ...w.config } } });
    const info = await client.run('model/info', { modelId: 'stories260K' });
    expect((info.results[0] as { meta: { config: unknown } }).meta.config).toEqual({ ...w.config });
    const names = [...tensors.keys()];
    const r = await client.run('test/reveal-model', { modelId: 'stories260K' }, async (links) => {
      const out: BigUint64Array[] = [];
      for (const n of names) out.push(await reconstruct(links, 'reveal', tensors.get(n)!.data.length));
      return out;
    });
    names.forEach((n, k) => {
      const want = tensors.get(n)!.data;
      const got = decodeFixed(r.local[k], DEFAULT_RING_CONFIG);
      for (let i = 0; i < want.length; i += 97) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2 ** -19);
    });
  });

  it('reports bad requests with a code and keeps serving', async () => {
    const client = await c.connect();
    await expect(client.run('no/such', {})).rejects.toMatchObject({ code: 'MPC_ERR_INPUT', message: expect.stringMatching(/unknown program/) });
    await expect(client.run('selftest', { size: -1 })).rejects.toMatchObject({ code: 'MPC_ERR_INPUT', message: expect.stringMatching(/size/) });
    await expect(client.run('selftest', { size: 2 }, async (links) => sendShares(links, 'selftest/a', new BigUint64Array(9), [3, 3]))).rejects.toMatchObject({ code: 'MPC_ERR_SHAPE' });
    await expect(client.run('selftest', { size: 2 }, async () => {
      throw new RangeError('client-side bug');
    })).rejects.toMatchObject({ code: 'MPC_ERR_INPUT', message: expect.stringMatching(/client-side bug/) });
    const ok = await client.run('ping', {});
    expect(ok.results).toHaveLength(3);
  });

  it('never hangs on a silent client or a handler waiting for output that never comes', async () => {
    const client = await c.connect();
    const t0 = Date.now();
    await expect(client.run('selftest', { size: 2 })).rejects.toMatchObject({ code: 'MPC_ERR_TIMEOUT', message: expect.stringMatching(/client input/) });
    expect(Date.now() - t0).toBeLessThan(800 + SLACK_MS); // clientInputTimeoutMs
    await expect(client.run('ping', {}, (links) => recvU64(links[0], 'never', 1))).rejects.toMatchObject({ code: 'MPC_ERR_PROTOCOL', message: expect.stringMatching(/no more output/) });
    expect((await client.run('ping', {})).results).toHaveLength(3);
  });

  it('a party stopping mid-session aborts it everywhere; the next session runs after its restart', async () => {
    const client = await c.connect();
    const t0 = Date.now();
    const marks = c.sinks.map((s) => s.lines.length); // 'queues concurrent sessions' ran test/slow too
    let failedAt = 0;
    const run = client.run('test/slow', { rounds: 1_000_000 }).catch((e: unknown) => {
      failedAt = Date.now();
      return e;
    });
    await c.sinks[2].waitFor((l) => l.msg === 'session start' && l.program === 'test/slow', WAIT_MS, marks[2]);
    const killedAt = Date.now();
    await c.servers[2].stop();
    const err = (await run) as MpcError;
    expect(err).toBeInstanceOf(MpcError);
    expect(['MPC_ERR_PEER_CLOSED', 'MPC_ERR_ABORTED']).toContain(err.code);
    const detectMs = failedAt - killedAt;
    // The survivors fail the session within the heartbeat timeout (1500 ms; usually a few ms,
    // as the link closes) plus one heartbeat tick and a busy event loop — the three servers and
    // the client share this test process. The client then waits at most heartbeat + 1000 ms
    // for every party's outcome so that it reports the root cause (ClientSessionState.settle).
    // (bounds get SLACK_MS on top: the servers, the client and other test files share 2 cores)
    for (const id of [0, 1]) {
      const line = await c.sinks[id].waitFor((l) => l.msg === 'session failed' && l.program === 'test/slow', WAIT_MS, marks[id]);
      expect((line.time as number) - killedAt).toBeLessThan(1500 + 500 + SLACK_MS);
    }
    expect(detectMs).toBeLessThan(1500 + 1000 + 500 + SLACK_MS);
    await c.start(2 as PartyId);
    const r = await client.run('ping', {});
    expect(r.results).toEqual([{ party: 0 }, { party: 1 }, { party: 2 }]);
    expect(Date.now() - t0).toBeLessThan(10_000 + SLACK_MS);
  });
});
