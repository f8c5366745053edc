/**
 * Link security: unknown keys, bad signatures, tampered / replayed / reordered / oversize /
 * malformed messages are rejected with a logged reason code, and the party keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { dialLink } from '../../src/parties/connect.js';
import { partyUrl } from '../../src/parties/config.js';
import { fromHex, generateIdentity, type Identity } from '../../src/parties/keys.js';
import { silentLogger } from '../../src/parties/log.js';
import type { SecureLink } from '../../src/parties/secure-link.js';
import { linkOptions } from '../../src/parties/connect.js';
import { encodeControl, packr } from '../../src/parties/wire.js';
import { encodeBatch } from '../../src/parties/message-batch.js';
import type { MpcError } from '../../src/protocols/errors.js';
import { z } from 'zod';
import { builtinPrograms } from '../../src/programs/index.js';
import type { ProgramDef } from '../../src/parties/program-table.js';
import { startCluster, WAIT_MS, type Cluster } from './helpers.js';

/** Client → P0 → P1 → client, through fragmentation on every hop (test only). */
const relay: ProgramDef<{ n: number }, null> = {
  name: 'test/relay',
  description: 'relay bytes client → P0 → P1 → client',
  params: z.object({ n: z.number().int() }).strict(),
  async run(p, { client }, { n }) {
    if (p.id === 0) p.comm.sendBytes(1, 'relay', await client.recv('in', 'u8', n));
    if (p.id === 1) client.send('out', 'u8', await p.comm.recvBytes(0, 'relay', n));
    return null;
  },
};

let c: Cluster;
beforeAll(async () => {
  c = await startCluster({ heartbeatTimeoutMs: 2000, limits: { maxPayloadBytes: 64 * 1024 }, programs: () => builtinPrograms().register(relay) });
});
afterAll(() => c.stop());

const target = (id: 0 | 1 | 2) => ({ url: partyUrl(c.config, id), to: id, publicKey: fromHex(c.config.parties[id].publicKey, 'key', 32) });
const dial = (me: Identity, id: 0 | 1 | 2 = 0) => dialLink(me, 'client', null, target(id), linkOptions(c.config, silentLogger));

async function closedWith(link: SecureLink): Promise<MpcError> {
  const t0 = Date.now();
  while (!link.closed) {
    if (Date.now() - t0 > WAIT_MS) throw new Error('link not closed');
    await new Promise((r) => setTimeout(r, 5));
  }
  return link.closeError as MpcError;
}

/** The party logged a link rejection/closure with this code and a reason matching `re`. */
const logged = (id: number, code: string, re: RegExp) => c.sinks[id].waitFor((l) => l.code === code && re.test(String(l.reason ?? l.msg)));

async function stillServes(): Promise<void> {
  const cl = await c.connect();
  const r = await cl.run('ping', {});
  expect(r.results).toEqual([{ party: 0 }, { party: 1 }, { party: 2 }]);
  cl.close();
}

describe('handshake', () => {
  it('authenticates both ways and derives matching keys', async () => {
    const link = await dial(c.client, 1);
    expect(link.peer).toMatchObject({ role: 'party', id: 1 });
    link.close('MPC_ERR_PEER_CLOSED', 'test done');
  });

  it('rejects an unknown client key', async () => {
    await expect(dial(generateIdentity('stranger'))).rejects.toMatchObject({ code: 'MPC_ERR_AUTH' });
    await logged(0, 'MPC_ERR_AUTH', /unknown client key/);
    await stillServes();
  });

  it('rejects a bad signature (a known public key without its private key)', async () => {
    const impostor: Identity = { name: 'impostor', publicKey: c.client.publicKey, secretKey: generateIdentity('x').secretKey };
    await expect(dial(impostor, 2)).rejects.toMatchObject({ code: 'MPC_ERR_AUTH' });
    await logged(2, 'MPC_ERR_AUTH', /bad signature/);
  });

  it('rejects a party key from the wrong direction (higher id dialing lower)', async () => {
    const { readKeyFile } = await import('../../src/parties/keys.js');
    const p2 = readKeyFile(`${c.dir}/p2.key`);
    await expect(dialLink(p2, 'party', 2, target(1), linkOptions(c.config, silentLogger))).rejects.toMatchObject({ code: 'MPC_ERR_AUTH' });
    await logged(1, 'MPC_ERR_AUTH', /lower id dials the higher/);
    expect(c.servers[1].connectedPeers()).toEqual([0, 2]);
  });

  it('refuses a responder that is not the configured party', async () => {
    const wrong = { ...target(0), publicKey: fromHex(c.config.parties[1].publicKey, 'k', 32) };
    await expect(dialLink(c.client, 'client', null, wrong, linkOptions(c.config, silentLogger))).rejects.toMatchObject({ code: 'MPC_ERR_AUTH' });
  });

  it('survives garbage instead of a hello', async () => {
    const ws = new WebSocket(partyUrl(c.config, 0), { perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(Buffer.from([0xc1, 0xff, 0x00]));
    expect(await closed).toBe(4004); // MPC_ERR_AUTH
    await stillServes();
  });
});

describe('sealed messages', () => {
  it('fragments and reassembles frames of any size around the message limit', async () => {
    const cl = await c.connect();
    const chunk = 64 * 1024 - 8192;
    for (const n of [0, 1, 7, chunk - 1, chunk, chunk + 1, 3 * chunk + 5, 1_000_003]) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      const r = await cl.run('test/relay', { n }, async (links) => {
        links[0].send('in', 'u8', data);
        return links[1].recv('out', 'u8', n);
      });
      expect(Buffer.from(r.local).equals(Buffer.from(data))).toBe(true);
    }
    cl.close();
  });

  const plain = () => encodeControl({ op: 'abort', s: 'nothing' });

  it('closes the link on a tampered message', async () => {
    const link = await dial(c.client);
    const m = link._sealForTest(plain());
    m[10] ^= 1;
    link._sendRawForTest(m);
    expect((await closedWith(link)).message).toMatch(/MPC_ERR_AUTH: tampered/);
    await logged(0, 'MPC_ERR_AUTH', /tampered/);
    await stillServes();
  });

  it('closes the link on a replayed message', async () => {
    const link = await dial(c.client);
    const m = link._sealForTest(plain());
    link._sendRawForTest(m);
    link._sendRawForTest(m);
    await closedWith(link);
    await logged(0, 'MPC_ERR_AUTH', /replayed/);
  });

  it('closes the link on reordered messages', async () => {
    const link = await dial(c.client, 1);
    const m1 = link._sealForTest(plain());
    const m2 = link._sealForTest(plain());
    link._sendRawForTest(m2);
    link._sendRawForTest(m1);
    await closedWith(link);
    await logged(1, 'MPC_ERR_AUTH', /reordered/);
  });

  it('closes the link on an oversize message', async () => {
    const link = await dial(c.client, 2);
    link._sendRawForTest(Buffer.alloc(64 * 1024 + 1));
    await closedWith(link);
    await logged(2, 'MPC_ERR_FRAME', /oversize/);
    await stillServes();
  });

  it('closes the link on a malformed header or a dtype/shape inconsistency', async () => {
    const cases: [Buffer, string, RegExp][] = [
      [Buffer.from([1, 0, 3, 0, 0xc1, 0xc1, 0xc1, 0]), 'MPC_ERR_FRAME', /malformed frame header/],
      [Buffer.from([9, 1, 2]), 'MPC_ERR_FRAME', /unknown message kind/],
      [frame({ s: 'x', q: 0, t: 't', d: 0, y: 'f32', n: 1 }, 4), 'MPC_ERR_SHAPE', /unknown dtype/],
      [frame({ s: 'x', q: 0, t: 't', d: 0, y: 'u64', n: 4, sh: [3] }, 32), 'MPC_ERR_SHAPE', /does not hold/],
      [frame({ s: 'x', q: 0, t: 't', d: 0, y: 'u64', n: 1 }, 16), 'MPC_ERR_SHAPE', /bytes for 1×u64/],
      [frame({ s: 'x', q: 0, t: 't', d: 0, y: 'u8', n: 2 ** 40 }, 0), 'MPC_ERR_FRAME', /oversize frame/],
      // only parties batch: a client's batch (here: well-formed, of many pings) is refused
      [encodeBatch(Array.from({ length: 1000 }, () => [encodeControl({ op: 'ping' })])), 'MPC_ERR_FRAME', /batch message from a client/],
    ];
    for (const [msg, code, re] of cases) {
      const link = await dial(c.client);
      link._sendRawForTest(link._sealForTest(msg));
      await closedWith(link);
      await logged(0, code, re);
    }
    await stillServes();
  });

  it('closes a client link that sends input for a session it did not open', async () => {
    const link = await dial(c.client);
    link._sendRawForTest(link._sealForTest(frame({ s: 'not-mine', q: 0, t: 't', d: 0, y: 'u8', n: 1 }, 1)));
    await closedWith(link);
    await logged(0, 'MPC_ERR_PROTOCOL', /did not open/);
  });
});

function frame(h: Record<string, unknown>, bodyBytes: number): Buffer {
  const hb = packr.pack(h);
  const prefix = Buffer.alloc(4);
  prefix[0] = 1;
  prefix.writeUInt16LE(hb.length, 2);
  return Buffer.concat([prefix, hb, Buffer.alloc(bodyBytes)]);
}
