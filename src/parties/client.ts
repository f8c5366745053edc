/**
 * TriformClient: a client (or model owner) connected to the three parties. `run` opens a session
 * at all three, runs the caller's handler (input shares out, output shares in) while the parties
 * run the named program, and resolves with the three results, Meter snapshots and the merged
 * cost — or rejects with one MpcError (the root cause: a closed or silent link, or the first
 * party's error) within about one heartbeat timeout of the failure.
 */
import { netTag, type NetShape } from './net-shaper.js';
import { randomBytes } from 'node:crypto';
import type { PartyId } from '../protocols/channel.js';
import type { ClientLinks } from '../protocols/client-link.js';
import { PARTIES } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import { mergeMeters, type MergedCost, type MeterSnapshot } from '../protocols/meter.js';
import type { PartiesConfig } from './config.js';
import { partyUrl } from './config.js';
import { ClientSessionState } from './client-session.js';
import { dialLink, linkOptions } from './connect.js';
import type { Identity } from './keys.js';
import { fromHex } from './keys.js';
import { silentLogger, type Logger } from './log.js';
import { parseProgress, type LoadStatus } from './load-progress.js';
import { Deferred } from './mailbox.js';
import type { SecureLink } from './secure-link.js';
import { errorFromWire, type PartySessionStats } from './wire.js';

export interface ClientOptions {
  config: PartiesConfig;
  identity: Identity;
  log?: Logger;
  /** Keep retrying to reach each party for this long (default: the handshake timeout). */
  connectTimeoutMs?: number;
  /** Default RunOptions.net of every session (the shaping the client expects the parties to use). */
  net?: NetShape | null;
  /** One handshake attempt may take this long (default: the config's limits.handshakeTimeoutMs); raise it for busy parties. */
  handshakeTimeoutMs?: number;
}

export interface SessionResult<T = undefined> {
  session: string;
  program: string;
  results: [unknown, unknown, unknown];
  meters: [MeterSnapshot, MeterSnapshot, MeterSnapshot];
  cost: MergedCost;
  stats: [PartySessionStats, PartySessionStats, PartySessionStats];
  /** What the handler returned. */
  local: T;
  ms: number;
}

export interface RunOptions {
  /** Fixed-point fractional bits for this session (default: the ring default). */
  fracBits?: number;
  /** The network shaping the client expects the parties to use (checked by each party); omit to not check. */
  net?: NetShape | null;
  /** Model-loading progress from each party (asks the parties for it; see load-progress.ts). */
  onProgress?: (from: PartyId, p: LoadStatus) => void;
}

export class TriformClient {
  readonly log: Logger;
  private readonly links: (SecureLink | null)[] = [null, null, null];
  private readonly connecting: (Promise<SecureLink> | null)[] = [null, null, null];
  private readonly sessions = new Map<string, ClientSessionState>();
  private closed = false;

  private constructor(private readonly opts: ClientOptions) {
    this.log = (opts.log ?? silentLogger).child({ role: 'client', client: opts.identity.name });
  }

  /** Connect to the three parties (retrying while they come up). */
  static async connect(opts: ClientOptions): Promise<TriformClient> {
    const c = new TriformClient(opts);
    try {
      await Promise.all(PARTIES.map((j) => c.link(j)));
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  get heartbeatTimeoutMs(): number {
    return this.opts.config.heartbeatTimeoutMs;
  }

  /** The open link to party j, reconnecting if it dropped. */
  link(j: PartyId): Promise<SecureLink> {
    const l = this.links[j];
    if (l && !l.closed) return Promise.resolve(l);
    if (this.closed) return Promise.reject(new MpcError('MPC_ERR_ABORTED', 'client closed'));
    this.connecting[j] ??= this.dial(j).finally(() => (this.connecting[j] = null));
    return this.connecting[j] as Promise<SecureLink>;
  }

  private async dial(j: PartyId): Promise<SecureLink> {
    const cfg = this.opts.config;
    const handshakeTimeoutMs = this.opts.handshakeTimeoutMs ?? cfg.limits.handshakeTimeoutMs;
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? cfg.limits.handshakeTimeoutMs);
    const target = { url: partyUrl(cfg, j), to: j, publicKey: fromHex(cfg.parties[j].publicKey, `parties[${j}].publicKey`, 32) };
    for (let attempt = 0; ; attempt++) {
      try {
        const link = await dialLink(this.opts.identity, 'client', null, target, { ...linkOptions(cfg, this.log), handshakeTimeoutMs });
        this.attach(j, link);
        return link;
      } catch (e) {
        const err = e as MpcError;
        if (err.code === 'MPC_ERR_AUTH' || this.closed || Date.now() + 100 > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(500, 50 * 2 ** attempt)));
      }
    }
  }

  private attach(j: PartyId, link: SecureLink): void {
    this.links[j] = link;
    link.attach({
      onFrame: (h, body) => {
        const st = this.sessions.get(h.s);
        if (st) st.putFrame(j, h, body);
      },
      onControl: (m) => {
        const st = m.s ? this.sessions.get(m.s) : undefined;
        if (m.op === 'done') st?.partyDone(j, { result: m.result, meter: m.meter as MeterSnapshot, stats: m.stats as PartySessionStats });
        else if (m.op === 'error') st?.partyFailed(j, errorFromWire(m.error, `P${j} failed`));
        else if (m.op === 'progress') this.progress(j, st, m);
        else link.close('MPC_ERR_PROTOCOL', `unknown control op '${m.op}' from P${j}`);
      },
      onClose: (err) => {
        if (this.links[j] === link) this.links[j] = null;
        for (const st of this.sessions.values()) st.partyFailed(j, err.party === undefined ? new MpcError(err.code, err.message, { party: j }) : err);
      },
    });
  }

  private progress(j: PartyId, st: ClientSessionState | undefined, m: Record<string, unknown>): void {
    if (!st?.onProgress) return;
    const p = parseProgress(m);
    if (!p) return this.log.warn({ party: j, session: st.id }, `malformed progress message from P${j} (ignored)`);
    try {
      st.onProgress(j, p);
    } catch (e) {
      this.log.warn({ party: j, err: (e as Error).message }, 'progress callback failed'); // a status line must not fail the session
    }
  }

  /**
   * Run `program` with `params` (JSON) at the three parties. `handler` is the client half of the
   * session on its three ends of the client link (send input shares, receive output shares); its
   * return value is `local`.
   */
  async run<T = undefined>(program: string, params: unknown, handler?: (links: ClientLinks) => Promise<T>, opts: RunOptions = {}): Promise<SessionResult<T>> {
    const t0 = performance.now();
    const net = opts.net !== undefined ? opts.net : this.opts.net;
    const links = (await Promise.all(PARTIES.map((j) => this.link(j)))) as [SecureLink, SecureLink, SecureLink];
    const sid = randomBytes(12).toString('hex');
    const st = new ClientSessionState(sid, links);
    if (opts.onProgress) st.onProgress = opts.onProgress;
    this.sessions.set(sid, st);
    const log = this.log.child({ session: sid, program });
    try {
      const pb = Buffer.from(JSON.stringify(params ?? {}), 'utf8');
      for (const l of links) l.sendControl({ op: 'open', s: sid, program, pb, ...(opts.fracBits === undefined ? {} : { fracBits: opts.fracBits }), ...(net === undefined ? {} : { net: netTag(net) }), ...(opts.onProgress ? { progress: true } : {}) });
      const handlerDone = new Deferred<T>();
      if (handler) {
        handler(st.ends).then(handlerDone.resolve, (e: unknown) => {
          handlerDone.reject(e as Error);
          st.clientFailed(e);
        });
      } else handlerDone.resolve(undefined as T);
      await st.settle(this.heartbeatTimeoutMs + 1000);
      const err = st.rootCause();
      if (err) throw err;
      const local = await handlerDone.promise;
      const outs = st.outcomes();
      const meters = outs.map((o) => o.meter) as SessionResult<T>['meters'];
      const ms = performance.now() - t0;
      log.debug({ ms: Math.round(ms) }, 'session done');
      return {
        session: sid,
        program,
        results: outs.map((o) => o.result) as SessionResult<T>['results'],
        meters,
        cost: mergeMeters(meters),
        stats: outs.map((o) => o.stats) as SessionResult<T>['stats'],
        local,
        ms,
      };
    } catch (e) {
      for (const l of links) if (!l.closed) l.sendControl({ op: 'abort', s: sid });
      const err = e instanceof MpcError ? e : new MpcError('MPC_ERR_PROTOCOL', (e as Error).message, { cause: e });
      log.debug({ code: err.code, msg: err.message }, 'session failed');
      throw err;
    } finally {
      this.sessions.delete(sid);
    }
  }

  close(): void {
    this.closed = true;
    for (const l of this.links) if (l && !l.closed) l.end('client done');
  }
}
