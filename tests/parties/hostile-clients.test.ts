/**
 * A client with a valid key that misbehaves: opens at one party only, opens without end, input
 * far ahead of the program, a frame header promising more bytes than it sends, a socket it stops
 * reading. Each is capped (limits in parties.json) with a clear code, and an honest self-test
 * running at the same time still gets correct results.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { builtinPrograms } from '../../src/programs/index.js';
import { partyUrl } from '../../src/parties/config.js';
import { dialLink } from '../../src/parties/connect.js';
import { fromHex, readKeyFile } from '../../src/parties/keys.js';
import { silentLogger } from '../../src/parties/log.js';
import type { ProgramDef } from '../../src/parties/program-table.js';
import type { SecureLink } from '../../src/parties/secure-link.js';
import { checkSelftest, selftestClient, selftestInputs } from '../../src/programs/selftest.js';
import { linkOptions } from '../../src/parties/connect.js';
import { packr, type ControlMessage } from '../../src/parties/wire.js';
import type { PartyId } from '../../src/protocols/channel.js';
import { startCluster, type Cluster } from './helpers.js';

const KiB = 1024;
const PENDING_MS = 1500;

/** P0 sends `n` × `bytes` to the client, one frame every `everyMs` (a client that reads keeps up; test only). */
const flood: ProgramDef<{ n: number; bytes: number; everyMs: number }, null> = {
  name: 'test/flood',
  description: 'send many frames to the client',
  params: z.object({ n: z.number().int(), bytes: z.number().int(), everyMs: z.number().int() }).strict(),
  async run(p, { client }, { n, bytes, everyMs }) {
    for (let i = 0; i < n && p.id === 0; i++) {
      client.send('flood', 'u8', new Uint8Array(bytes));
      await new Promise((r) => setTimeout(r, everyMs));
    }
    return null;
  },
};
/** Waits, then reads one input (test only): the client's frames pile up meanwhile. */
const slowReader: ProgramDef<{ ms: number }, null> = {
  name: 'test/slow-reader',
  description: 'read the client input late',
  params: z.object({ ms: z.number().int().default(1500) }).strict(),
  async run(_p, { client }, { ms }) {
    await new Promise((r) => setTimeout(r, ms));
    await client.recv('in', 'u8', 1);
    return null;
  },
};

let c: Cluster;
beforeAll(async () => {
  c = await startCluster({
    heartbeatTimeoutMs: 10_000, // the paused client below must hit the byte cap, not the heartbeat
    clients: ['client', 'mallory'],
    limits: { maxPayloadBytes: 64 * KiB, maxFrameBytes: 256 * KiB, maxSessionBufferBytes: 1024 * KiB, maxLinkBufferBytes: 1024 * KiB, maxPendingSessionsPerClient: 4, pendingSessionTimeoutMs: PENDING_MS, maxLinksPerClient: 6, maxQueuedSessions: 2 },
    programs: () => builtinPrograms().register(flood).register(slowReader),
  });
});
afterAll(() => c.stop());

/** A raw client link to party j that records the control messages it receives. */
async function rawClient(j: PartyId): Promise<{ link: SecureLink; got: ControlMessage[]; wait(pred: (m: ControlMessage) => boolean, n?: number): Promise<ControlMessage[]> }> {
  const target = { url: partyUrl(c.config, j), to: j, publicKey: fromHex(c.config.parties[j].publicKey, 'key', 32) };
  const link = await dialLink(readKeyFile(join(c.dir, 'mallory.key')), 'client', null, target, linkOptions(c.config, silentLogger));
  const got: ControlMessage[] = [];
  link.attach({ onFrame: () => undefined, onControl: (m) => got.push(m), onClose: () => undefined });
  const wait = async (pred: (m: ControlMessage) => boolean, n = 1) => {
    const t0 = Date.now();
    while (got.filter(pred).length < n) {
      if (Date.now() - t0 > 20_000) throw new Error(`P${j}: ${got.filter(pred).length}/${n} matching control messages`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return got.filter(pred);
  };
  return { link, got, wait };
}

const open = (sid: string, program = 'ping', params: unknown = {}) => ({ op: 'open', s: sid, program, pb: Buffer.from(JSON.stringify(params)) });
const errCode = (m: ControlMessage) => (m.error as { code?: string } | undefined)?.code;

async function honestSelftest(n = 4): Promise<void> {
  const cl = await c.connect();
  const inp = selftestInputs(n);
  try {
    const r = await cl.run('selftest', { size: n }, (s) => selftestClient(s, n, inp));
    expect(checkSelftest(n, inp, r.local)).toEqual([]);
  } finally {
    cl.close(); // honest clients share the name 'client' and its maxLinksPerClient
  }
}

describe('a client with a valid key, misbehaving', () => {
  it("opens at P0 only: they never enter P0's queue, an honest session runs meanwhile, and they expire", async () => {
    const atk = await rawClient(0);
    const sids = ['p0-only-1', 'p0-only-2', 'p0-only-3'];
    const marks = c.sinks.map((s) => s.lines.length);
    for (const sid of sids) atk.link.sendControl(open(sid, 'selftest', { size: 2 }));
    await c.sinks[0].waitFor((l) => l.msg === 'session opened' && l.session === 'p0-only-3', 5000, marks[0]);
    await honestSelftest();
    // the honest session did not wait behind them: they were never queued (the old code ran
    // each one and held P0's queue for 2 heartbeats until P1 and P2 gave up)
    expect(c.sinks[0].lines.slice(marks[0]).some((l) => l.msg === 'session queued' && sids.includes(String(l.session)))).toBe(false);
    const errs = await atk.wait((m) => m.op === 'error' && sids.includes(String(m.s)), 3);
    expect(errs.map(errCode)).toEqual(['MPC_ERR_TIMEOUT', 'MPC_ERR_TIMEOUT', 'MPC_ERR_TIMEOUT']);
    expect(String((errs[0].error as { message: string }).message)).toMatch(new RegExp(`did not start within ${PENDING_MS} ms.*limits\\.pendingSessionTimeoutMs`));
    expect(c.servers[0].sessions.pending).toBe(0);
    atk.link.close('MPC_ERR_PEER_CLOSED', 'done');
  });

  it('opens at P1 only: at most maxPendingSessionsPerClient are held at any time (MPC_ERR_LIMIT), and they expire', async () => {
    const atk = await rawClient(1);
    const N = 2000;
    let maxHeld = 0;
    const sample = setInterval(() => (maxHeld = Math.max(maxHeld, c.servers[1].sessions.pendingOf('mallory'))), 5);
    try {
      for (let i = 0; i < N; i++) atk.link.sendControl(open(`p1-only-${i}`));
      await honestSelftest(); // another client: mallory's cap does not touch it
      // every open is answered exactly once: refused over the cap, or dropped when it expires
      // (at P1, or at P0, which heard of it through P1's 'have')
      const answers = await atk.wait((m) => m.op === 'error', N);
      const limited = answers.filter((m) => errCode(m) === 'MPC_ERR_LIMIT');
      expect(String((limited[0].error as { message: string }).message)).toMatch(/4 sessions opened at P1 that have not started \(limits\.maxPendingSessionsPerClient\)/);
      expect(limited.length).toBeGreaterThanOrEqual(N / 2); // the old code held all 2000
      for (const m of answers) expect(['MPC_ERR_LIMIT', 'MPC_ERR_TIMEOUT', 'MPC_ERR_ABORTED']).toContain(errCode(m));
    } finally {
      clearInterval(sample);
    }
    expect(maxHeld).toBeLessThanOrEqual(4);
    const t0 = Date.now();
    while (c.servers.some((s) => s.sessions.pending > 0) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(c.servers.map((s) => s.sessions.pending)).toEqual([0, 0, 0]);
    atk.link.close('MPC_ERR_PEER_CLOSED', 'done');
  });

  it('opens link after link: past maxLinksPerClient new links are closed with MPC_ERR_LIMIT; other clients are not affected', async () => {
    const links = await Promise.all(Array.from({ length: 8 }, () => rawClient(0)));
    const t0 = Date.now();
    while (links.filter((x) => x.link.closed).length < 2 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 10));
    const closed = links.filter((x) => x.link.closed);
    expect(closed).toHaveLength(2);
    for (const x of closed) expect(x.link.closeError?.message).toMatch(/MPC_ERR_LIMIT: client 'mallory' already has 6 links to P0 \(limits\.maxLinksPerClient\)/);
    await honestSelftest();
    for (const x of links) x.link.close('MPC_ERR_PEER_CLOSED', 'done');
  });

  it("sessions beyond P0's queue are refused with MPC_ERR_LIMIT (maxQueuedSessions)", async () => {
    const cl = await c.connect();
    try {
      const runs = Array.from({ length: 4 }, () => cl.run('test/slow-reader', { ms: 600 }, async (links) => {
        for (const j of [0, 1, 2] as PartyId[]) links[j].send('in', 'u8', new Uint8Array(1));
      }).then(() => 'ok', (e: { code: string; message: string }) => `${e.code}: ${e.message}`));
      const out = await Promise.all(runs);
      // one runs at once, two wait in the queue, the fourth is refused
      expect(out.filter((x) => x === 'ok')).toHaveLength(3);
      expect(out.filter((x) => x !== 'ok')).toEqual([expect.stringMatching(/^MPC_ERR_LIMIT: P0's session queue is full \(2 waiting; limits\.maxQueuedSessions\)/)]);
    } finally {
      cl.close();
    }
  });

  it('a frame header promising more bytes than arrive allocates nothing up front; over maxFrameBytes is refused', async () => {
    const atk = await rawClient(2);
    atk.link.sendControl(open('big-frame', 'test/slow-reader'));
    const alloc = vi.spyOn(Buffer, 'allocUnsafeSlow');
    const prefix = (h: Record<string, unknown>) => {
      const hb = packr.pack(h);
      const p = Buffer.alloc(4);
      p[0] = 1;
      p.writeUInt16LE(hb.length, 2);
      return Buffer.concat([p, hb, Buffer.alloc(16)]);
    };
    // 200 KiB promised (under the 256 KiB cap), 16 bytes sent
    atk.link._sendRawForTest(atk.link._sealForTest(prefix({ s: 'big-frame', q: 0, t: 'in', d: 0, y: 'u8', n: 200 * KiB })));
    atk.link.sendControl({ op: 'abort', s: 'nothing' }); // in order after the frame: once it is handled, so was the frame
    await c.sinks[2].waitFor((l) => l.code === 'MPC_ERR_FRAME' && /control message inside a fragmented frame/.test(String(l.reason)));
    expect(alloc.mock.calls.filter(([n]) => n >= 100 * KiB)).toEqual([]); // the old code reserved the 200 KiB at once
    alloc.mockRestore();
    // a header over maxFrameBytes closes the link before any buffer exists
    const atk2 = await rawClient(2);
    atk2.link._sendRawForTest(atk2.link._sealForTest(prefix({ s: 'x', q: 0, t: 'in', d: 0, y: 'u64', n: 2 ** 28 })));
    await c.sinks[2].waitFor((l) => l.code === 'MPC_ERR_FRAME' && /oversize frame: 268435456×u64 exceeds maxFrameBytes/.test(String(l.reason)));
    atk.link.close('MPC_ERR_PEER_CLOSED', 'done');
  });

  it('input far ahead of the program: the session fails with MPC_ERR_LIMIT past maxSessionBufferBytes', async () => {
    const cl = await c.connect();
    const honest = honestSelftest();
    const err = await cl
      .run('test/slow-reader', {}, async (links) => {
        for (let i = 0; i < 8; i++) for (const j of [0, 1, 2] as PartyId[]) links[j].send('in', 'u8', new Uint8Array(200 * KiB));
        await new Promise((r) => setTimeout(r, 3000));
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MPC_ERR_LIMIT', message: expect.stringMatching(/limits\.maxSessionBufferBytes \(1048576\)/) });
    await honest;
    cl.close();
  });

  it('a client that stops reading: the party closes its link with MPC_ERR_LIMIT past maxLinkBufferBytes', async () => {
    const cl = await c.connect();
    expect((await cl.run('test/flood', { n: 60, bytes: 250 * KiB, everyMs: 5 })).results).toEqual([null, null, null]); // reading: fine
    const link = await cl.link(0);
    (link as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
    const run = cl.run('test/flood', { n: 400, bytes: 250 * KiB, everyMs: 1 }).catch((e: unknown) => e);
    const line = await c.sinks[0].waitFor((l) => l.code === 'MPC_ERR_LIMIT' && /does not read: more than 1048576 bytes queued.*maxLinkBufferBytes/.test(String(l.reason)), 20_000);
    expect(line.msg).toMatch(/closing link to client/);
    (link as unknown as { ws: { _socket: { resume(): void } } }).ws._socket.resume();
    expect(await run).toMatchObject({ code: expect.stringMatching(/MPC_ERR_LIMIT|MPC_ERR_PEER_CLOSED|MPC_ERR_ABORTED/) });
    cl.close();
    await honestSelftest();
  });
});
