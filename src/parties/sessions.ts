/**
 * Session scheduling at one party. A client opens a session at all three parties; P0 fixes the
 * order, so every party runs the same sessions one after another and concurrent ones wait in
 * P0's queue (session-run.ts runs one).
 *
 * Admission (what a client with a valid key can make a party hold):
 * - P1 and P2 tell P0 when they hold a client's open (`have`); P0 queues a session only once
 *   its own open and both `have`s are in (or a peer link is down: then the run fails fast), and
 *   confirms to P1 and P2 (`queued`). An open sent to P0 alone therefore never reaches P0's
 *   queue, so it cannot delay honest sessions.
 * - A session that has not been queued is pending: at most `maxPendingSessionsPerClient` per
 *   client name at each party (MPC_ERR_LIMIT), and dropped after `pendingSessionTimeoutMs`
 *   (MPC_ERR_TIMEOUT to the client, `abort` to the peers). P1/P2 stop the clock once P0 queued
 *   the session, and restart it if that link to P0 closes.
 * - Bytes received for a session and not consumed yet are capped (`maxSessionBufferBytes`).
 *
 * Any failure aborts the session at all parties (an `abort` to the peers, an `error` to the
 * client); a closed or silent link fails every session bound to it.
 */
import { createHash } from 'node:crypto';
import type { PartyId } from '../protocols/channel.js';
import { nextParty, prevParty } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import { ringConfig } from '../ring/config.js';
import type { PartyLimits } from './config.js';
import { checkNetAgreement } from './net-shaper.js';
import type { SecureLink } from './secure-link.js';
import { notifyFailure, runSession, toMpcError, type SessionHost } from './session-run.js';
import { PartySession } from './session-state.js';
import { errorFromWire, type ControlMessage, type FrameHeader } from './wire.js';

export { toMpcError, type SessionHost } from './session-run.js';

const FINISHED_MEMORY = 4096;

export type AdmissionLimits = Pick<PartyLimits, 'maxPendingSessionsPerClient' | 'pendingSessionTimeoutMs' | 'maxSessionBufferBytes' | 'maxQueuedSessions'>;

export class SessionTable {
  private readonly states = new Map<string, PartySession>();
  /** Ids of sessions that ended here (late messages for them are ignored), the last FINISHED_MEMORY. */
  private readonly finished = new Set<string>();
  private readonly finishedRing: string[] = [];
  private finishedNext = 0;
  private readonly queue: PartySession[] = [];
  private busy = false;
  private readonly peers: [PartyId, PartyId];
  private readonly limits: AdmissionLimits;
  /** Sessions served since start (for logs and tests). */
  served = 0;

  constructor(
    private readonly host: SessionHost,
    limits: Partial<AdmissionLimits> = {},
  ) {
    this.peers = [nextParty(host.id), prevParty(host.id)].sort() as [PartyId, PartyId];
    this.limits = { maxPendingSessionsPerClient: 16, pendingSessionTimeoutMs: 30_000, maxSessionBufferBytes: Number.MAX_SAFE_INTEGER, maxQueuedSessions: 64, ...limits };
  }

  get running(): PartySession | null {
    for (const s of this.states.values()) if (s.status === 'running') return s;
    return null;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Sessions held and not queued yet (tests and status). */
  get pending(): number {
    let n = 0;
    for (const s of this.states.values()) if (s.status === 'pending') n++;
    return n;
  }

  /** Sessions opened here by `client` that count against its maxPendingSessionsPerClient. */
  pendingOf(client: string): number {
    let n = 0;
    for (const x of this.states.values()) if (x.status === 'pending' && !x.queuedOn && x.open?.clientName === client) n++;
    return n;
  }

  private state(id: string): PartySession | null {
    if (this.finished.has(id)) return null;
    let s = this.states.get(id);
    if (!s) {
      s = new PartySession(id, this.limits.maxSessionBufferBytes);
      this.states.set(id, s);
      this.armExpiry(s);
    }
    return s;
  }

  private retire(s: PartySession): void {
    if (s.expiry) clearTimeout(s.expiry);
    s.expiry = null;
    this.states.delete(s.id);
    this.markFinished(s.id);
  }

  private markFinished(id: string): void {
    if (this.finished.has(id)) return;
    const old = this.finishedRing[this.finishedNext];
    if (old !== undefined) this.finished.delete(old);
    this.finishedRing[this.finishedNext] = id;
    this.finishedNext = (this.finishedNext + 1) % FINISHED_MEMORY;
    this.finished.add(id);
  }

  /** (Re)start the pending clock of a session that has not been queued. */
  private armExpiry(s: PartySession): void {
    if (s.expiry) clearTimeout(s.expiry);
    const ms = this.limits.pendingSessionTimeoutMs;
    s.expiry = setTimeout(() => {
      s.expiry = null;
      if (s.status !== 'pending' || this.states.get(s.id) !== s) return;
      const where = this.host.id === 0 ? `P0 (have: ${[...s.haveOf.keys()].map((j) => `P${j}`).join(', ') || 'none'}${s.open ? ', own open' : ', no open'})` : `P${this.host.id}`;
      this.drop(s, new MpcError('MPC_ERR_TIMEOUT', `session ${s.id} did not start within ${ms} ms of its open at ${where}: the client's open did not reach all three parties (limits.pendingSessionTimeoutMs)`));
    }, ms);
    s.expiry.unref();
  }

  /** Fail a session that is not running: tell the client and the peers, forget it. */
  private drop(s: PartySession, err: MpcError): void {
    s.fail(err);
    if (s.status === 'pending') {
      this.host.log.info({ session: s.id, client: s.open?.clientName, code: err.code, reason: err.message }, 'pending session dropped');
      notifyFailure(this.host, this.peers, s, err);
      this.retire(s);
    }
  }

  private enqueue(s: PartySession): void {
    if (s.expiry) clearTimeout(s.expiry);
    s.expiry = null;
    s.status = 'queued';
    this.queue.push(s);
    void this.pump();
  }

  /** P0: queue the session once its own open and both peers' `have` are in (a down peer does not block). */
  private maybeQueue(s: PartySession): void {
    if (this.host.id !== 0 || s.status !== 'pending' || !s.open || s.failure) return;
    if (!this.peers.every((j) => s.haveOf.has(j) || !this.host.peerLink(j))) return;
    const max = this.limits.maxQueuedSessions;
    if (this.queue.length >= max) return this.drop(s, new MpcError('MPC_ERR_LIMIT', `P0's session queue is full (${max} waiting; limits.maxQueuedSessions)`));
    for (const j of this.peers) this.host.peerLink(j)?.sendControl({ op: 'queued', s: s.id });
    this.host.log.debug({ session: s.id, program: s.open.program, queued: this.queue.length + 1 }, 'session queued');
    this.enqueue(s);
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const s = this.queue.shift() as PartySession;
        try {
          if (await runSession(this.host, this.peers, s)) this.served++;
        } finally {
          this.retire(s);
        }
      }
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
      // the cheap check first: a flood of opens is refused before any parsing
      const mine = this.pendingOf(clientName);
      if (mine >= this.limits.maxPendingSessionsPerClient) {
        throw new MpcError('MPC_ERR_LIMIT', `client '${clientName}' has ${mine} sessions opened at P${this.host.id} that have not started (limits.maxPendingSessionsPerClient)`);
      }
      if (typeof m.program !== 'string' || m.program.length > 64) throw new MpcError('MPC_ERR_INPUT', 'open: program must be a name of at most 64 characters');
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
      const s = this.state(sid) as PartySession;
      s.open = { program: m.program, params, paramsHash: createHash('sha256').update(m.pb).digest('hex'), fracBits: cfg.fracBits, client: link, clientName, progress: m.progress === true };
      s.openArrived.resolve();
      this.host.log.debug({ session: sid, program: m.program, client: clientName }, 'session opened');
      if (this.host.id !== 0) this.sendHave(s);
      else if (this.checkHave(s)) this.maybeQueue(s);
    } catch (e) {
      const err = toMpcError(e);
      reply(err);
      // remember the id: a later 'start' from P0 is answered with an abort at once (not needed
      // over the cap: P0 never heard of it, and a flood must not evict real sessions' ids)
      const s = this.states.get(sid);
      if (!s) {
        if (err.code !== 'MPC_ERR_LIMIT') this.markFinished(sid);
      } else if (!s.open) {
        s.fail(err);
        if (s.status === 'pending') this.retire(s);
      }
      // the other parties drop it too, instead of holding it until it expires (not for a flood
      // over the cap: that would multiply the flood; the peers' own caps and clocks bound it)
      if (err.code !== 'MPC_ERR_LIMIT') for (const j of this.peers) this.host.peerLink(j)?.sendControl({ op: 'abort', s: sid, error: err.toJSON() });
    }
  }

  onClientFrame(link: SecureLink, h: FrameHeader, body: Uint8Array): void {
    if (this.finished.has(h.s)) return; // late input of an aborted session
    const s = this.states.get(h.s);
    if (!s || s.open?.client !== link) return link.close('MPC_ERR_PROTOCOL', `frame for session ${h.s}, which this client did not open`);
    if (h.q !== s.clientInSeq) return link.close('MPC_ERR_FRAME', `session ${h.s}: client frame ${h.q}, expected ${s.clientInSeq}`);
    s.clientInSeq++;
    s.clientBox.put({ tag: h.t, depth: 0, dtype: h.y, length: h.n, bytes: body });
    if (s.failure && s.status !== 'running') this.drop(s, s.failure); // e.g. over maxSessionBufferBytes before it ran
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

  // ---- admission messages between the parties ---------------------------------------------

  /** P1/P2: tell P0 that the client's open is here (again when the link to P0 comes back). */
  private sendHave(s: PartySession): void {
    const o = s.open;
    if (!o || s.failure || s.status !== 'pending') return;
    this.host.peerLink(0)?.sendControl({ op: 'have', s: s.id, program: o.program, ph: o.paramsHash });
  }

  /** P0: a peer's open must be the same request as P0's own; false (and the session dropped) if not. */
  private checkHave(s: PartySession): boolean {
    const o = s.open;
    if (!o) return true;
    for (const [j, h] of s.haveOf) {
      if (h.program !== o.program || h.ph !== o.paramsHash) {
        this.drop(s, new MpcError('MPC_ERR_PROTOCOL', `session ${s.id}: the client opened '${o.program.slice(0, 64)}' with other params at P${j} than at P0`));
        return false;
      }
    }
    return true;
  }

  /** A peer link (re)connected: P1/P2 re-announce the opens P0 may not have heard of. */
  onPeerUp(j: PartyId): void {
    if (j !== 0 || this.host.id === 0) return;
    for (const s of this.states.values()) if (!s.queuedOn) this.sendHave(s);
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
    if (m.op === 'have') {
      if (this.host.id !== 0) return link.close('MPC_ERR_PROTOCOL', `'have' may only go to P0`);
      const s = this.state(sid);
      if (!s) return; // already dropped here
      if (s.status === 'queued') return link.sendControl({ op: 'queued', s: sid }); // re-announced after a reconnect
      if (s.status !== 'pending') return;
      s.haveOf.set(from, { program: String(m.program), ph: String(m.ph) });
      if (this.checkHave(s)) this.maybeQueue(s);
    } else if (m.op === 'queued') {
      if (from !== 0 || this.host.id === 0) return link.close('MPC_ERR_PROTOCOL', `'queued' may only come from P0`);
      const s = this.states.get(sid);
      if (!s || s.status !== 'pending') return;
      s.queuedOn = link;
      if (s.expiry) clearTimeout(s.expiry);
      s.expiry = null;
    } else if (m.op === 'start') {
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
      if (!s) {
        if (this.host.id === 0) this.markFinished(sid); // a peer rejected the open: P0's own open is refused too
        return;
      }
      const cause = errorFromWire(m.error, 'aborted');
      const err = new MpcError('MPC_ERR_ABORTED', `session ${sid} aborted by P${from}: ${cause.code}: ${cause.message}`, { party: from });
      if (s.status === 'pending') {
        s.fail(err);
        if (s.open) {
          const client = s.open.client;
          if (!client.closed) client.sendControl({ op: 'error', s: sid, from: this.host.id, error: err.toJSON() });
        }
        this.retire(s);
      } else s.fail(err);
    } else {
      link.close('MPC_ERR_PROTOCOL', `unknown control op '${m.op}'`);
    }
  }

  onPeerClosed(from: PartyId, link: SecureLink, err: MpcError): void {
    for (const s of this.states.values()) {
      if (s.usesLink(from, link)) {
        s.fail(err.code === 'MPC_ERR_TIMEOUT' || err.code === 'MPC_ERR_PEER_CLOSED' ? err : new MpcError('MPC_ERR_PEER_CLOSED', `link to P${from} closed: ${err.code}: ${err.message}`, { party: from }));
      }
      if (s.queuedOn === link) {
        s.queuedOn = null; // P0 may never start it now: the pending clock runs again
        if (s.status === 'pending') this.armExpiry(s);
      }
    }
    // P0: a session waiting for this peer's `have` runs now and fails fast on the missing link
    if (this.host.id === 0) for (const s of [...this.states.values()]) this.maybeQueue(s);
  }

  /** Abort everything (server shutdown). */
  abortAll(err: MpcError): void {
    for (const s of this.states.values()) {
      s.fail(err);
      if (s.expiry) clearTimeout(s.expiry);
    }
  }
}
