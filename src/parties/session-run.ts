/**
 * Running one session at one party, once P0 has ordered it: P0 sends `start` to P1 and P2; the
 * three parties exchange `join` nonces over the links the session binds to and derive fresh
 * pairwise PRSS seeds (HKDF(link secret, session id ‖ both nonces)); then the program runs on a
 * Party built like makeLocalParties does. A failure is reported to the peers (`abort`) and to
 * the client (`error`).
 */
import { randomBytes } from 'node:crypto';
import type { PartyId } from '../protocols/channel.js';
import { nextParty, prevParty } from '../protocols/channel.js';
import { Party } from '../protocols/context.js';
import { MpcError } from '../protocols/errors.js';
import { Meter } from '../protocols/meter.js';
import { Prss } from '../protocols/prss.js';
import { ringConfig, describeRingConfig } from '../ring/config.js';
import type { RingKernels } from '../ring/kernels.js';
import { sessionSeed } from './handshake.js';
import { progressSender } from './load-progress.js';
import { errInfo, type Logger } from './log.js';
import { timeout } from './mailbox.js';
import type { ProgramRegistry } from './program-table.js';
import type { SecureLink } from './secure-link.js';
import { netTag, type NetShape } from './net-shaper.js';
import { type PartySession, SessionChannel } from './session-state.js';
import type { PartySessionStats } from './wire.js';
import { WsClientLink } from './ws-client-link.js';

export interface SessionHost {
  readonly id: PartyId;
  readonly log: Logger;
  readonly heartbeatTimeoutMs: number;
  readonly clientInputTimeoutMs: number;
  readonly dataDir: string;
  readonly kernels: RingKernels;
  readonly programs: ProgramRegistry;
  /** The open link to a peer party, or null. */
  peerLink(j: PartyId): SecureLink | null;
  /** Resolves with the peer's link once it is up; rejects with MPC_ERR_PEER_CLOSED after `ms`. */
  waitPeer(j: PartyId, ms: number): Promise<SecureLink>;
  /** Network shaping of the party links (a public session parameter all must agree on). */
  readonly net?: NetShape | null;
}

export function toMpcError(e: unknown): MpcError {
  if (e instanceof MpcError) return e;
  if (e instanceof RangeError || e instanceof TypeError) return new MpcError('MPC_ERR_INPUT', e.message, { cause: e });
  return new MpcError('MPC_ERR_PROTOCOL', e instanceof Error ? e.message : String(e), { cause: e });
}

/** Tell the peers (`abort`, unless the failure came from that peer) and the client (`error`). */
export function notifyFailure(host: SessionHost, peers: readonly PartyId[], s: PartySession, err: MpcError): void {
  for (const j of peers) {
    const l = host.peerLink(j);
    if (l && !(err.code === 'MPC_ERR_ABORTED' && err.party === j)) {
      try {
        l.sendControl({ op: 'abort', s: s.id, error: err.toJSON() });
      } catch {
        /* link closing */
      }
    }
  }
  const client = s.open?.client;
  if (client && !client.closed) {
    try {
      client.sendControl({ op: 'error', s: s.id, from: host.id, error: err.toJSON() });
    } catch {
      /* link closing */
    }
  }
}

/** Run a started session to its end; resolves true when it succeeded (failures are reported, not thrown). */
export async function runSession(host: SessionHost, peers: [PartyId, PartyId], s: PartySession): Promise<boolean> {
  const hb = host.heartbeatTimeoutMs;
  const log = host.log.child({ session: s.id });
  const t0 = performance.now();
  let program = s.open?.program ?? s.start?.program ?? '?';
  try {
    if (s.failure) throw s.failure;
    if (host.id === 0) {
      const open = s.open as NonNullable<PartySession['open']>;
      const links = await Promise.all(peers.map((j) => host.waitPeer(j, hb)));
      for (const l of links) l.sendControl({ op: 'start', s: s.id, program: open.program, ph: open.paramsHash });
    } else {
      await timeout(s.openArrived.promise, 2 * hb, () => new MpcError('MPC_ERR_TIMEOUT', `session ${s.id}: P0 started it but the client's open did not arrive at P${host.id} within ${2 * hb} ms`));
      const open = s.open as NonNullable<PartySession['open']>;
      const start = s.start as NonNullable<PartySession['start']>;
      if (open.program !== start.program || open.paramsHash !== start.paramsHash) {
        throw new MpcError('MPC_ERR_PROTOCOL', `session ${s.id}: the client opened '${open.program}' with other params at P${host.id} than at P0`);
      }
      await Promise.all(peers.map((j) => host.waitPeer(j, hb)));
    }
    const open = s.open as NonNullable<PartySession['open']>;
    program = open.program;
    for (const j of peers) {
      const l = host.peerLink(j);
      if (!l) throw new MpcError('MPC_ERR_PEER_CLOSED', `P${j} is not connected`, { party: j });
      if (s.linkMismatch(j, l)) throw new MpcError('MPC_ERR_PEER_CLOSED', `the link to P${j} changed before session ${s.id} started`, { party: j });
      s.bound.set(j, l);
    }
    s.status = 'running';
    const nonce = randomBytes(16);
    for (const j of peers) (s.bound.get(j) as SecureLink).sendControl({ op: 'join', s: s.id, n: nonce, net: netTag(host.net) });
    // a peer may itself wait up to one heartbeat timeout for its other link: allow for that
    const joinMs = 2 * hb + 1000;
    const joins = await timeout(Promise.all(peers.map((j) => s.join(j).promise)), joinMs, () => {
      const missing = peers.filter((j) => !s.join(j).settled).map((j) => `P${j}`);
      return new MpcError('MPC_ERR_TIMEOUT', `session ${s.id}: ${missing.join(' and ')} did not join within ${joinMs} ms`);
    });
    const seedWith = (j: PartyId): Uint8Array => {
      const ji = joins[peers.indexOf(j)];
      const link = s.bound.get(j) as SecureLink;
      if (ji.link !== link) throw new MpcError('MPC_ERR_PEER_CLOSED', `session ${s.id}: P${j} joined on a stale link`, { party: j });
      return host.id < j ? sessionSeed(link.linkSecret, s.id, nonce, ji.nonce) : sessionSeed(link.linkSecret, s.id, ji.nonce, nonce);
    };
    const prss = new Prss({ prev: seedWith(prevParty(host.id)), next: seedWith(nextParty(host.id)), own: randomBytes(16) });
    const meter = new Meter();
    const cfg = ringConfig({ fracBits: open.fracBits });
    const party = new Party({ id: host.id, channel: new SessionChannel(host.id, s), prss, cfg, meter, k: host.kernels });
    const client = new WsClientLink({
      session: s.id,
      link: open.client,
      box: s.clientBox,
      nextSeq: () => s.clientOutSeq++,
      failure: () => s.failure,
      label: { me: `party ${host.id}`, from: 'the client' },
      strict: { waitMs: host.clientInputTimeoutMs, fail: (e) => s.fail(e) },
    });
    const wire0 = peers.map((j) => ({ ...(s.bound.get(j) as SecureLink).stats }));
    log.info({ program, client: open.clientName, ring: describeRingConfig(cfg), net: netTag(host.net) }, 'session start');
    const session = { id: s.id, client, dataDir: host.dataDir, log: log.child({ program }), progress: progressSender(s, host.id) };
    const result = await host.programs.get(open.program).run(party, session, open.params);
    if (s.failure) throw s.failure;
    const wire = peers.map((j, k) => {
      const now = (s.bound.get(j) as SecureLink).stats;
      return { to: j, sealedBytesSent: now.wireBytesSent - wire0[k].wireBytesSent, payloadBytesSent: now.payloadBytesSent - wire0[k].payloadBytesSent, framesSent: now.framesSent - wire0[k].framesSent, messagesSent: now.messagesSent - wire0[k].messagesSent };
    });
    const ms = performance.now() - t0;
    const stats: PartySessionStats = { ms, wire, io: client.stats };
    open.client.sendControl({ op: 'done', s: s.id, from: host.id, result: result ?? null, meter: meter.snapshot(), stats });
    log.info({ program, ms: Math.round(ms), bytesSent: meter.bytesSent, depth: meter.depth, ioIn: client.stats.bytesIn, ioOut: client.stats.bytesOut }, 'session done');
    return true;
  } catch (e) {
    const err = s.failure ?? toMpcError(e);
    s.fail(err);
    log.warn({ program, ...errInfo(err), ms: Math.round(performance.now() - t0) }, 'session failed');
    notifyFailure(host, peers, s, err);
    return false;
  }
}
