/**
 * Session scheduling at one party. A client opens a session at all three parties; P0 fixes the
 * order (it sends `start` to P1 and P2), so every party runs the same sessions one after another
 * and concurrent ones wait in P0's queue. At start the three parties exchange `join` nonces over
 * the links the session binds to and derive fresh pairwise PRSS seeds
 * (HKDF(link secret, session id ‖ both nonces)); then the program runs on a Party built like
 * makeLocalParties does. Any failure aborts the session at all parties (an `abort` to the peers,
 * an `error` to the client); a closed or silent link fails every session bound to it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PartyId } from '../protocols/channel.js';
import { nextParty, prevParty } from '../protocols/channel.js';
import { Comm } from '../protocols/comm.js';
import type { Party } from '../protocols/context.js';
import { MpcError } from '../protocols/errors.js';
import { Meter } from '../protocols/meter.js';
import { Prss } from '../protocols/prss.js';
import { ringConfig, describeRingConfig } from '../ring/config.js';
import type { RingKernels } from '../ring/kernels.js';
import { PartyClientIO } from './client-io.js';
import { sessionSeed } from './handshake.js';
import { errInfo, type Logger } from './log.js';
import { timeout } from './mailbox.js';
import type { ProgramRegistry } from './programs.js';
import { checkNetAgreement, netTag, type NetShape } from './net-shaper.js';
import type { SecureLink } from './secure-link.js';
import { PartySession, SessionChannel } from './session-state.js';
import type { ControlMessage, FrameHeader } from './wire.js';

export interface SessionHost {
  readonly id: PartyId;
  readonly log: Logger;
  readonly heartbeatTimeoutMs: number;
  readonly clientInputTimeoutMs: number;
  readonly dataDir: string;
  readonly kernels: RingKernels;
  readonly programs: ProgramRegistry;
  /** Network shaping of the party links (a public session parameter all must agree on). */
  readonly net?: NetShape | null;
  /** The open link to a peer party, or null. */
  peerLink(j: PartyId): SecureLink | null;
  /** Resolves with the peer's link once it is up; rejects with MPC_ERR_PEER_CLOSED after `ms`. */
  waitPeer(j: PartyId, ms: number): Promise<SecureLink>;
}

const MAX_QUEUE = 64;
const FINISHED_MEMORY = 4096;

export function toMpcError(e: unknown): MpcError {
  if (e instanceof MpcError) return e;
  if (e instanceof RangeError || e instanceof TypeError) return new MpcError('MPC_ERR_INPUT', e.message, { cause: e });
  return new MpcError('MPC_ERR_PROTOCOL', e instanceof Error ? e.message : String(e), { cause: e });
}

export function errorFromWire(x: unknown, fallback: string): MpcError {
  const o = (x ?? {}) as { code?: unknown; message?: unknown; party?: unknown; tag?: unknown };
  const code = typeof o.code === 'string' && o.code.startsWith('MPC_ERR_') ? (o.code as MpcError['code']) : 'MPC_ERR_PROTOCOL';
  const opts: { party?: number; tag?: string } = {};
  if (typeof o.party === 'number') opts.party = o.party;
  if (typeof o.tag === 'string') opts.tag = o.tag;
  return new MpcError(code, typeof o.message === 'string' ? o.message : fallback, opts);
}

export class SessionTable {
  private readonly states = new Map<string, PartySession>();
  private readonly finished = new Map<string, true>();
  private readonly queue: PartySession[] = [];
  private busy = false;
  private readonly peers: [PartyId, PartyId];
  /** Sessions served since start (for logs and tests). */
  served = 0;

  constructor(private readonly host: SessionHost) {
    this.peers = [nextParty(host.id), prevParty(host.id)].sort() as [PartyId, PartyId];
  }

  get running(): PartySession | null {
    for (const s of this.states.values()) if (s.status === 'running') return s;
    return null;
  }

  get queued(): number {
    return this.queue.length;
  }

  private state(id: string): PartySession | null {
    if (this.finished.has(id)) return null;
    let s = this.states.get(id);
    if (!s) {
      s = new PartySession(id);
      this.states.set(id, s);
    }
    return s;
  }

  private retire(s: PartySession): void {
    this.states.delete(s.id);
    this.finished.set(s.id, true);
    if (this.finished.size > FINISHED_MEMORY) this.finished.delete(this.finished.keys().next().value as string);
  }

  private enqueue(s: PartySession): void {
    s.status = 'queued';
    this.queue.push(s);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) await this.runOne(this.queue.shift() as PartySession);
    } finally {
      this.busy = false;
    }
  }

  // ---- messages from the client -----------------------------------------------------------

  onClientOpen(link: SecureLink, clientName: string, m: ControlMessage): void {
    const sid = m.s;
    const reply = (err: MpcError) => link.sendControl({ op: 'error', s: sid, from: this.host.id, error: err.toJSON() });
    if (!sid) return link.close('MPC_ERR_FRAME', 'open without a session id');
    if (this.finished.has(sid) || this.states.get(sid)?.open) return reply(new MpcError('MPC_ERR_INPUT', `session id ${sid} already used`));
    try {
      if (typeof m.program !== 'string') throw new MpcError('MPC_ERR_INPUT', 'open: program must be a string');
      if (!(m.pb instanceof Uint8Array)) throw new MpcError('MPC_ERR_INPUT', 'open: params missing');
      let raw: unknown;
      try {
        raw = JSON.parse(Buffer.from(m.pb).toString('utf8'));
      } catch {
        throw new MpcError('MPC_ERR_INPUT', 'open: params are not valid JSON');
      }
      const params = this.host.programs.parse(m.program, raw);
      const cfg = ringConfig(m.fracBits === undefined ? {} : { fracBits: m.fracBits as number });
      checkNetAgreement(this.host.net, m.net, 'the client');
      if (this.host.id === 0 && this.queue.length >= MAX_QUEUE) throw new MpcError('MPC_ERR_ABORTED', `P0's session queue is full (${MAX_QUEUE})`);
      const s = this.state(sid) as PartySession;
      s.open = { program: m.program, params, paramsHash: createHash('sha256').update(m.pb).digest('hex'), fracBits: cfg.fracBits, client: link, clientName };
      s.openArrived.resolve();
      this.host.log.debug({ session: sid, program: m.program, client: clientName }, 'session opened');
      if (this.host.id === 0) this.enqueue(s);
    } catch (e) {
      const err = toMpcError(e);
      reply(err);
      // remember the id: a later 'start' from P0 is answered with an abort at once
      const s = this.states.get(sid);
      if (!s) this.retire(new PartySession(sid));
      else if (!s.open) {
        s.fail(err);
        if (s.status === 'pending') this.retire(s);
      }
    }
  }

  onClientFrame(link: SecureLink, h: FrameHeader, body: Uint8Array): void {
    if (this.finished.has(h.s)) return; // late input of an aborted session
    const s = this.states.get(h.s);
    if (!s || s.open?.client !== link) return link.close('MPC_ERR_PROTOCOL', `frame for session ${h.s}, which this client did not open`);
    if (h.q !== s.clientInSeq) return link.close('MPC_ERR_FRAME', `session ${h.s}: client frame ${h.q}, expected ${s.clientInSeq}`);
    s.clientInSeq++;
    s.clientBox.put({ tag: h.t, depth: 0, dtype: h.y, length: h.n, bytes: body });
  }

  onClientAbort(link: SecureLink, m: ControlMessage): void {
    const s = m.s ? this.states.get(m.s) : undefined;
    if (!s || s.open?.client !== link) return;
    const err = new MpcError('MPC_ERR_ABORTED', `session ${s.id} aborted by the client`);
    s.fail(err);
    if (s.status === 'pending' && !s.start) {
      this.retire(s);
      link.sendControl({ op: 'error', s: s.id, from: this.host.id, error: err.toJSON() });
    }
  }

  onClientClosed(link: SecureLink): void {
    for (const s of [...this.states.values()]) {
      if (s.open?.client !== link) continue;
      s.fail(new MpcError('MPC_ERR_ABORTED', `session ${s.id}: the client disconnected`));
      if (s.status === 'pending' && !s.start) this.retire(s);
    }
  }

  // ---- messages from the peers ------------------------------------------------------------

  onPeerFrame(from: PartyId, link: SecureLink, h: FrameHeader, body: Uint8Array): void {
    const s = this.state(h.s);
    if (!s) return; // a frame of a session that already ended here
    s.putPeerFrame(from, link, h, body);
  }

  onPeerControl(from: PartyId, link: SecureLink, m: ControlMessage): void {
    const sid = m.s;
    if (!sid) return link.close('MPC_ERR_FRAME', `control '${m.op}' without a session id`);
    if (m.op === 'start') {
      if (from !== 0 || this.host.id === 0) return link.close('MPC_ERR_PROTOCOL', `'start' may only come from P0`);
      const s = this.state(sid);
      if (!s) {
        // we already dropped it (the client aborted): tell everyone
        for (const j of this.peers) this.host.peerLink(j)?.sendControl({ op: 'abort', s: sid, error: new MpcError('MPC_ERR_ABORTED', `session ${sid} was aborted at P${this.host.id} before it started`).toJSON() });
        return;
      }
      if (s.start) return link.close('MPC_ERR_PROTOCOL', `session ${sid} started twice`);
      s.start = { program: String(m.program), paramsHash: String(m.ph) };
      this.enqueue(s);
    } else if (m.op === 'join') {
      const s = this.state(sid);
      if (!s) return;
      if (!(m.n instanceof Uint8Array) || m.n.length !== 16) return link.close('MPC_ERR_FRAME', 'malformed join nonce');
      s.noteLink(from, link);
      try {
        checkNetAgreement(this.host.net, m.net, `P${from}`);
      } catch (e) {
        return s.fail(e as MpcError);
      }
      s.join(from).resolve({ nonce: m.n, link });
    } else if (m.op === 'abort') {
      const s = this.states.get(sid);
      if (!s) return;
      const cause = errorFromWire(m.error, 'aborted');
      s.fail(new MpcError('MPC_ERR_ABORTED', `session ${sid} aborted by P${from}: ${cause.code}: ${cause.message}`, { party: from }));
      if (s.status === 'pending' && !s.open) this.retire(s);
    } else {
      link.close('MPC_ERR_PROTOCOL', `unknown control op '${m.op}'`);
    }
  }

  onPeerClosed(from: PartyId, link: SecureLink, err: MpcError): void {
    for (const s of this.states.values()) {
      if (s.usesLink(from, link)) {
        s.fail(err.code === 'MPC_ERR_TIMEOUT' || err.code === 'MPC_ERR_PEER_CLOSED' ? err : new MpcError('MPC_ERR_PEER_CLOSED', `link to P${from} closed: ${err.code}: ${err.message}`, { party: from }));
      }
    }
  }

  /** Abort everything (server shutdown). */
  abortAll(err: MpcError): void {
    for (const s of this.states.values()) s.fail(err);
  }

  // ---- running ----------------------------------------------------------------------------

  private async runOne(s: PartySession): Promise<void> {
    const { host } = this;
    const hb = host.heartbeatTimeoutMs;
    const log = host.log.child({ session: s.id });
    const t0 = performance.now();
    let program = s.open?.program ?? s.start?.program ?? '?';
    try {
      if (s.failure) throw s.failure;
      if (host.id === 0) {
        const open = s.open as NonNullable<PartySession['open']>;
        const links = await Promise.all(this.peers.map((j) => host.waitPeer(j, hb)));
        for (const l of links) l.sendControl({ op: 'start', s: s.id, program: open.program, ph: open.paramsHash });
      } else {
        await timeout(s.openArrived.promise, 2 * hb, () => new MpcError('MPC_ERR_TIMEOUT', `session ${s.id}: P0 started it but the client's open did not arrive at P${host.id} within ${2 * hb} ms`));
        const open = s.open as NonNullable<PartySession['open']>;
        const start = s.start as NonNullable<PartySession['start']>;
        if (open.program !== start.program || open.paramsHash !== start.paramsHash) {
          throw new MpcError('MPC_ERR_PROTOCOL', `session ${s.id}: the client opened '${open.program}' with other params at P${host.id} than at P0`);
        }
        await Promise.all(this.peers.map((j) => host.waitPeer(j, hb)));
      }
      const open = s.open as NonNullable<PartySession['open']>;
      program = open.program;
      for (const j of this.peers) {
        const l = host.peerLink(j);
        if (!l) throw new MpcError('MPC_ERR_PEER_CLOSED', `P${j} is not connected`, { party: j });
        if (s.linkMismatch(j, l)) throw new MpcError('MPC_ERR_PEER_CLOSED', `the link to P${j} changed before session ${s.id} started`, { party: j });
        s.bound.set(j, l);
      }
      s.status = 'running';
      const nonce = randomBytes(16);
      for (const j of this.peers) (s.bound.get(j) as SecureLink).sendControl({ op: 'join', s: s.id, n: nonce, net: netTag(host.net) });
      // a peer may itself wait up to one heartbeat timeout for its other link: allow for that
      const joinMs = 2 * hb + 1000;
      const joins = await timeout(Promise.all(this.peers.map((j) => s.join(j).promise)), joinMs, () => {
        const missing = this.peers.filter((j) => !s.join(j).settled).map((j) => `P${j}`);
        return new MpcError('MPC_ERR_TIMEOUT', `session ${s.id}: ${missing.join(' and ')} did not join within ${joinMs} ms`);
      });
      const seedWith = (j: PartyId): Uint8Array => {
        const ji = joins[this.peers.indexOf(j)];
        const link = s.bound.get(j) as SecureLink;
        if (ji.link !== link) throw new MpcError('MPC_ERR_PEER_CLOSED', `session ${s.id}: P${j} joined on a stale link`, { party: j });
        return host.id < j ? sessionSeed(link.linkSecret, s.id, nonce, ji.nonce) : sessionSeed(link.linkSecret, s.id, ji.nonce, nonce);
      };
      const prss = new Prss({ prev: seedWith(prevParty(host.id)), next: seedWith(nextParty(host.id)), own: randomBytes(16) });
      const meter = new Meter();
      const cfg = ringConfig({ fracBits: open.fracBits });
      const party: Party = { id: host.id, comm: new Comm(new SessionChannel(host.id, s), meter), prss, cfg, meter, k: host.kernels, truncCalls: 0 };
      const io = new PartyClientIO(host.id, s, open.client, host.dataDir, log.child({ program }), host.clientInputTimeoutMs);
      const wire0 = this.peers.map((j) => ({ ...(s.bound.get(j) as SecureLink).stats }));
      log.info({ program, client: open.clientName, ring: describeRingConfig(cfg), net: netTag(host.net) }, 'session start');
      const result = await host.programs.get(open.program).run(party, io, open.params);
      if (s.failure) throw s.failure;
      const wire = this.peers.map((j, k) => {
        const now = (s.bound.get(j) as SecureLink).stats;
        return { to: j, sealedBytesSent: now.wireBytesSent - wire0[k].wireBytesSent, payloadBytesSent: now.payloadBytesSent - wire0[k].payloadBytesSent, framesSent: now.framesSent - wire0[k].framesSent };
      });
      const ms = performance.now() - t0;
      const stats = { ms, wire, io: io.stats };
      open.client.sendControl({ op: 'done', s: s.id, from: host.id, result: result ?? null, meter: meter.snapshot(), stats });
      this.served++;
      log.info({ program, ms: Math.round(ms), bytesSent: meter.bytesSent, depth: meter.depth, ioIn: io.stats.bytesIn, ioOut: io.stats.bytesOut }, 'session done');
    } catch (e) {
      const err = s.failure ?? toMpcError(e);
      s.fail(err);
      log.warn({ program, ...errInfo(err), ms: Math.round(performance.now() - t0) }, 'session failed');
      for (const j of this.peers) {
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
    } finally {
      this.retire(s);
    }
  }
}
