/**
 * Batching of small messages between parties (src/parties/message-batch.ts): the BATCH format
 * round-trips and keeps u64 bodies 8-aligned, malformed batches are refused with MPC_ERR_FRAME,
 * and over a real link the small frames sent together travel as one sealed message while every
 * frame arrives intact and in order (also around a large frame that goes alone).
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { BATCH_ITEM_MAX, encodeBatch, MSG_BATCH, splitBatch } from '../../src/parties/message-batch.js';
import { SecureLink } from '../../src/parties/secure-link.js';
import { silentLogger } from '../../src/parties/log.js';
import type { FrameHeader } from '../../src/parties/wire.js';
import { encodeControl, MSG_CONT } from '../../src/parties/wire.js';
import type { MpcError } from '../../src/protocols/errors.js';

describe('BATCH format', () => {
  it('round-trips messages of any length, each entry 8-aligned', () => {
    const msgs = [1, 7, 8, 9, 1000].map((n, k) => [Buffer.alloc(n, (k % 3) + 1)]); // kinds FRAME, CONT, CONTROL
    msgs.push([Buffer.from([MSG_CONT, 5]), Buffer.from([6, 7, 8])]); // parts are joined
    const b = encodeBatch(msgs);
    expect(b[0]).toBe(MSG_BATCH);
    const out = splitBatch(b);
    expect(out.map((e) => [...e])).toEqual(msgs.map((parts) => [...Buffer.concat(parts)]));
    for (const e of out) expect((e.byteOffset - b.byteOffset) % 8).toBe(0);
  });

  it('refuses malformed batches with MPC_ERR_FRAME', () => {
    const good = encodeBatch([[Buffer.from([3, 1, 2])], [Buffer.from([2, 9])]]);
    const cases: [string, Buffer][] = [
      ['short', Buffer.from([MSG_BATCH, 0, 0])],
      ['empty', Buffer.alloc(8, 0).fill(MSG_BATCH, 0, 1)],
      ['zero-length entry', Buffer.concat([good.subarray(0, 8), Buffer.alloc(8)])],
      ['entry past the end', good.subarray(0, good.length - 12)],
      ['header past the end', Buffer.concat([good, Buffer.from([1, 0, 0])])],
      ['nested', encodeBatch([[good]])],
    ];
    const over = Buffer.from(good);
    over.writeUInt32LE(1 << 20, 8);
    cases.push(['length over the message', over]);
    for (const [why, b] of cases) expect(() => splitBatch(b), why).toThrow(expect.objectContaining({ code: 'MPC_ERR_FRAME' }));
  });
});

interface Pair {
  a: SecureLink;
  b: SecureLink;
  got: { h: FrameHeader; body: Uint8Array }[];
  controls: string[];
  close(): Promise<void>;
}

/** Two SecureLinks between "P0" and "P1" over a loopback WebSocket, with matching keys. */
async function linkPair(maxPayloadBytes = 1 << 20, batch = true): Promise<Pair> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await once(ws, 'open');
  const [sws] = await accepted;
  const k01 = randomBytes(32), k10 = randomBytes(32), secret = randomBytes(32), transcript = randomBytes(32);
  const limits = { heartbeatTimeoutMs: 10_000, maxPayloadBytes, maxFrameBytes: 1 << 24, batch };
  const pub = randomBytes(32);
  const a = new SecureLink(ws, { sendKey: k01, recvKey: k10, linkSecret: secret, transcript }, { role: 'party', id: 1, publicKey: pub }, true, limits, silentLogger);
  const b = new SecureLink(sws, { sendKey: k10, recvKey: k01, linkSecret: secret, transcript }, { role: 'party', id: 0, publicKey: pub }, false, limits, silentLogger);
  await a.ready;
  const got: Pair['got'] = [];
  const controls: string[] = [];
  b.attach({ onFrame: (h, body) => got.push({ h, body }), onControl: (m) => controls.push(m.op), onClose: () => undefined });
  a.attach({ onFrame: () => undefined, onControl: () => undefined, onClose: () => undefined });
  return {
    a,
    b,
    got,
    controls,
    async close() {
      a.end('test done');
      b.end('test done');
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

const header = (q: number, n: number): FrameHeader => ({ s: 'sess', q, t: `t${q}`, d: 0, y: 'u64', n });
const words = (q: number, n: number): BigUint64Array => BigUint64Array.from({ length: n }, (_, i) => BigInt(q) * 1_000_003n + BigInt(i));
const asBytes = (x: BigUint64Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);

async function until(cond: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 10_000) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}

let pair: Pair | null = null;
afterEach(async () => {
  await pair?.close();
  pair = null;
});

describe('batching over a link between parties', () => {
  it('small frames sent together go as one sealed message; a large frame goes alone, in order', async () => {
    pair = await linkPair();
    const { a, got, controls } = pair;
    const big = BATCH_ITEM_MAX / 8 + 1; // over the batch item limit
    const sizes = [1, 3, 100, 7, 2, big, 5, 64, 1];
    const sent0 = a.stats.messagesSent;
    sizes.forEach((n, q) => {
      const x = words(q, n);
      a.sendFrame(header(q, n), asBytes(x));
      x.fill(0n); // the link copied it: the caller may reuse its buffer at once
      if (q === 2) a.sendControl({ op: 'note' });
    });
    // sent before we yield: the first five frames and the control as one batch, flushed
    // ahead of the big frame, and the big frame alone
    expect(a.stats.messagesSent - sent0).toBe(2);
    await until(() => got.length === sizes.length);
    // and the last three frames as one batch once we yield
    expect(a.stats.messagesSent - sent0).toBe(3);
    expect(controls).toEqual(['note']);
    got.forEach(({ h, body }, q) => {
      expect(h.q).toBe(q);
      expect(body.byteOffset % 8).toBe(0);
      expect(new BigUint64Array(body.buffer, body.byteOffset, h.n)).toEqual(words(q, sizes[q]));
    });
    expect(pair.b.stats.messagesRecv).toBeGreaterThanOrEqual(3);
  });

  it("frames sent together beyond one message the peer accepts go in several batches, each within its limit", async () => {
    pair = await linkPair(16 << 10); // ws closes the link (1009) on a message over this
    const { a, got } = pair;
    for (let q = 0; q < 100; q++) a.sendFrame(header(q, 100), asBytes(words(q, 100))); // 800 B each
    await until(() => got.length === 100);
    expect(got.map((g) => g.h.q)).toEqual([...Array(100).keys()]);
    expect(got.every((g, q) => new BigUint64Array(g.body.buffer, g.body.byteOffset, 100).every((v, i) => v === words(q, 100)[i]))).toBe(true);
    expect(a.stats.messagesSent).toBeGreaterThan(4); // 80 kB do not fit one 8 kB batch (16 kB less the link's 8 kB margin)
    expect(a.stats.messagesSent).toBeLessThan(20);
    expect(a.closed).toBe(false);
  });

  it('a link not marked for batching (one end is a client) sends one message per frame', async () => {
    pair = await linkPair(1 << 20, false);
    const { a, got } = pair;
    for (let q = 0; q < 5; q++) a.sendFrame(header(q, 3), asBytes(words(q, 3)));
    await until(() => got.length === 5);
    expect(a.stats.messagesSent).toBe(5);
  });

  it('frames sent apart are not held back for each other', async () => {
    pair = await linkPair();
    const { a, got } = pair;
    a.sendFrame(header(0, 2), asBytes(words(0, 2)));
    await until(() => got.length === 1); // flushed once we yield, without a second send
    a.sendFrame(header(1, 2), asBytes(words(1, 2)));
    await until(() => got.length === 2);
    expect(got.map((g) => g.h.q)).toEqual([0, 1]);
  });

  it('a malformed batch from the peer closes the link with MPC_ERR_FRAME', async () => {
    pair = await linkPair();
    const { a, b } = pair;
    const nested = encodeBatch([[encodeBatch([[encodeControl({ op: 'x' })]])]]);
    a._sendRawForTest(a._sealForTest(nested));
    await until(() => b.closed);
    expect((b.closeError as MpcError).code).toBe('MPC_ERR_FRAME');
    expect((b.closeError as MpcError).message).toMatch(/nested batch/);
  });
});
