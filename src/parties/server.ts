/**
 * PartyServer: one computing party. Listens for WebSocket links (from lower-numbered parties
 * and from clients), dials the higher-numbered parties and keeps redialling them while they are
 * down, and hands messages to the SessionTable. A bad peer only ever costs its own link: every
 * rejection is logged with its reason code and the server keeps serving.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { PartyId } from '../protocols/channel.js';
import { PARTIES } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import type { RingKernels } from '../ring/kernels.js';
import { defaultKernels } from '../ring/default-kernels.js';
import type { PartiesConfig } from './config.js';
import { partyDataDir, partyUrl } from './config.js';
import { ConnectionGate } from './conn-gate.js';
import { acceptLink, dialLink, linkOptions, type LinkOptions } from './connect.js';
import type { Hello, PeerIdentity } from './handshake.js';
import type { Identity } from './keys.js';
import { fromHex, toHex } from './keys.js';
import { errInfo, silentLogger, type Logger } from './log.js';
import { logRepeated } from './log-repeat.js';
import type { ProgramRegistry } from './program-table.js';
import { describeNet, type NetShape } from './net-shaper.js';
import type { SecureLink } from './secure-link.js';
import { SessionTable } from './sessions.js';
import type { SessionHost } from './session-run.js';

export interface PartyServerOptions {
  config: PartiesConfig;
  id: PartyId;
  /** This party's identity (its own private key only). */
  identity: Identity;
  log?: Logger;
  /** The programs this party serves (scripts/party.ts passes src/programs' builtinPrograms()). */
  programs: ProgramRegistry;
  kernels?: RingKernels;
  /** Overrides the config's data folder. */
  dataDir?: string;
  /** Shape the links to the other parties (`--net`, net-shaper.ts); default off. */
  net?: NetShape | null;
}

export class PartyServer implements SessionHost {
  readonly id: PartyId;
  readonly log: Logger;
  readonly heartbeatTimeoutMs: number;
  readonly clientInputTimeoutMs: number;
  readonly dataDir: string;
  readonly kernels: RingKernels;
  readonly programs: ProgramRegistry;
  readonly sessions: SessionTable;
  readonly net: NetShape | null;
  private readonly cfg: PartiesConfig;
  private readonly identity: Identity;
  private readonly linkOpts: LinkOptions;
  private wss: WebSocketServer | null = null;
  private http: Server | null = null;
  private readonly links = new Map<PartyId, SecureLink>();
  private readonly waiters = new Map<PartyId, ((l: SecureLink) => void)[]>();
  private readonly clients = new Set<SecureLink>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Caps what connections that have not authenticated yet may cost (see conn-gate.ts). */
  readonly gate: ConnectionGate;
  private stopped = false;

  constructor(opts: PartyServerOptions) {
    this.cfg = opts.config;
    this.id = opts.id;
    this.identity = opts.identity;
    this.log = (opts.log ?? silentLogger).child({ party: opts.id });
    this.heartbeatTimeoutMs = opts.config.heartbeatTimeoutMs;
    this.clientInputTimeoutMs = opts.config.limits.clientInputTimeoutMs;
    this.dataDir = opts.dataDir ?? partyDataDir(opts.config, opts.id);
    this.kernels = opts.kernels ?? defaultKernels();
    this.programs = opts.programs;
    this.net = opts.net ?? null;
    this.linkOpts = linkOptions(opts.config, this.log, this.net);
    this.sessions = new SessionTable(this, opts.config.limits);
    this.gate = new ConnectionGate(opts.config.limits, this.log);
    if (toHex(opts.identity.publicKey) !== opts.config.parties[opts.id].publicKey) {
      throw new MpcError('MPC_ERR_CONFIG', `the key file of P${opts.id} does not match parties[${opts.id}].publicKey`);
    }
  }

  /** The TCP port actually bound (after start). */
  get port(): number {
    const a = this.http?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  /** Listen, then dial the higher-numbered parties (retrying until they are up). */
  async start(): Promise<void> {
    const me = this.cfg.parties[this.id];
    const host = me.listen ?? me.host;
    // our own HTTP server (not ws's) so that stop() can drop every connection at once
    const hs = this.cfg.limits.handshakeTimeoutMs;
    const http = createServer({ connectionsCheckingInterval: Math.min(1000, hs) }, (_req, res) => res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' }).end('WebSocket only\n'));
    // Explicit HTTP/TCP idle limits instead of Node's defaults (a raw idle TCP connection was held
    // ~90 s): headers and the upgrade request must arrive within the handshake deadline, no
    // keep-alive between plain HTTP requests. The gate caps and idles out unauthenticated sockets.
    http.headersTimeout = hs;
    http.requestTimeout = hs;
    http.keepAliveTimeout = Math.min(1000, hs);
    http.timeout = hs;
    http.on('connection', (sock: Socket) => {
      if (this.stopped) sock.destroy();
      else this.gate.admit(sock);
    });
    await new Promise<void>((resolve, reject) => {
      http.once('listening', () => resolve());
      http.once('error', (e: Error) => reject(new MpcError('MPC_ERR_CONFIG', `P${this.id} cannot listen on ${host}:${me.port}: ${e.message}`)));
      http.listen(me.port, host);
    });
    this.http = http;
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: this.cfg.limits.maxPayloadBytes, clientTracking: true });
    http.on('error', (e: Error) => this.log.error(errInfo(e), 'server error'));
    wss.on('error', (e: Error) => this.log.error(errInfo(e), 'server error'));
    wss.on('connection', (ws: WebSocket, req: IncomingMessage) => this.onConnection(ws, req));
    this.wss = wss;
    this.log.info({ host, port: this.port, programs: this.programs.names(), heartbeatTimeoutMs: this.heartbeatTimeoutMs, net: describeNet(this.net) }, `P${this.id} listening`);
    for (const j of PARTIES) if (j > this.id) this.dial(j, 0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.sessions.abortAll(new MpcError('MPC_ERR_ABORTED', `P${this.id} is shutting down`, { party: this.id }));
    for (const l of [...this.links.values(), ...this.clients]) l.close('MPC_ERR_PEER_CLOSED', `P${this.id} is shutting down`);
    const { wss, http } = this;
    if (wss) {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    }
    if (http) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
    }
    this.log.info('stopped');
  }

  peerLink(j: PartyId): SecureLink | null {
    const l = this.links.get(j);
    return l && !l.closed ? l : null;
  }

  waitPeer(j: PartyId, ms: number): Promise<SecureLink> {
    const l = this.peerLink(j);
    if (l) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(j) ?? [];
      const t = setTimeout(() => {
        const i = list.indexOf(done);
        if (i >= 0) list.splice(i, 1);
        reject(new MpcError('MPC_ERR_PEER_CLOSED', `P${j} is not connected to P${this.id} (waited ${ms} ms)`, { party: j }));
      }, ms);
      const done = (link: SecureLink) => {
        clearTimeout(t);
        resolve(link);
      };
      list.push(done);
      this.waiters.set(j, list);
    });
  }

  /** Links currently up (for tests and status logs). */
  connectedPeers(): PartyId[] {
    return PARTIES.filter((j) => this.peerLink(j) !== null);
  }

  // ---- links to the other parties ---------------------------------------------------------

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private dial(j: PartyId, attempt: number): void {
    if (this.stopped || this.peerLink(j)) return;
    const target = { url: partyUrl(this.cfg, j), to: j, publicKey: fromHex(this.cfg.parties[j].publicKey, `parties[${j}].publicKey`, 32) };
    dialLink(this.identity, 'party', this.id, target, this.linkOpts).then(
      (link) => {
        if (this.stopped) return link.close('MPC_ERR_PEER_CLOSED', 'shutting down');
        this.attachPeer(j, link);
      },
      (e: unknown) => {
        const err = e as MpcError;
        if (err.code === 'MPC_ERR_AUTH' || err.code === 'MPC_ERR_CONFIG') logRepeated(this.log, 'warn', `refused:${j}:${err.message}`, errInfo(err), `link to P${j} refused (do both parties use the same parties.json and their own key files?)`);
        else if (attempt === 0 || attempt % 50 === 0) this.log.info({ url: target.url }, `waiting for P${j}`);
        this.later(Math.min(500, 50 * 2 ** Math.min(attempt, 4)), () => this.dial(j, attempt + 1));
      },
    );
  }

  private attachPeer(j: PartyId, link: SecureLink): void {
    const old = this.links.get(j);
    this.links.set(j, link);
    if (old && !old.closed) old.close('MPC_ERR_PEER_CLOSED', `replaced by a new link from P${j}`);
    link.attach({
      onFrame: (h, body) => this.sessions.onPeerFrame(j, link, h, body),
      onControl: (m) => this.sessions.onPeerControl(j, link, m),
      onClose: (err) => {
        const current = this.links.get(j) === link;
        if (current) this.links.delete(j);
        this.sessions.onPeerClosed(j, link, err);
        if (current && j > this.id && !this.stopped) this.later(50, () => this.dial(j, 0));
      },
    });
    this.log.info({ link: link.linkId }, `link to P${j} up`);
    this.sessions.onPeerUp(j);
    for (const w of this.waiters.get(j)?.splice(0) ?? []) w(link);
  }

  // ---- inbound connections ----------------------------------------------------------------

  private authorize = (hello: Hello): PeerIdentity => {
    const key = toHex(hello.pub);
    if (hello.role === 'party') {
      const id = hello.id as PartyId;
      if (key !== this.cfg.parties[id].publicKey) throw new MpcError('MPC_ERR_AUTH', `unknown key claiming to be P${id}`, { party: id });
      if (id >= this.id) throw new MpcError('MPC_ERR_AUTH', `P${id} must not dial P${this.id} (the lower id dials the higher)`, { party: id });
      return { role: 'party', id, publicKey: hello.pub };
    }
    const c = this.cfg.clients.find((x) => x.publicKey === key);
    if (!c) throw new MpcError('MPC_ERR_AUTH', `unknown client key ${key.slice(0, 8)}…`);
    return { role: 'client', name: c.name, publicKey: hello.pub };
  };

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    if (this.stopped) return void ws.terminate();
    acceptLink(ws, this.identity, this.id, this.authorize, this.linkOpts, remote).then(
      (link) => {
        this.gate.authenticated(req.socket);
        if (this.stopped) return link.close('MPC_ERR_PEER_CLOSED', 'shutting down');
        if (link.peer.role === 'party') this.attachPeer(link.peer.id, link);
        else this.attachClient(link, link.peer.name);
      },
      () => undefined, // logged by acceptLink
    );
  }

  private attachClient(link: SecureLink, name: string): void {
    let same = 0;
    for (const l of this.clients) if (l.peer.role === 'client' && l.peer.name === name) same++;
    if (same >= this.cfg.limits.maxLinksPerClient) {
      // every link costs a heartbeat timer and buffers: a valid key does not buy unlimited ones
      link.attach({ onFrame: () => undefined, onControl: () => undefined, onClose: () => undefined });
      return link.close('MPC_ERR_LIMIT', `client '${name}' already has ${same} links to P${this.id} (limits.maxLinksPerClient)`);
    }
    this.clients.add(link);
    link.attach({
      onFrame: (h, body) => this.sessions.onClientFrame(link, h, body),
      onControl: (m) => {
        if (m.op === 'open') this.sessions.onClientOpen(link, name, m);
        else if (m.op === 'abort') this.sessions.onClientAbort(link, m);
        else link.close('MPC_ERR_PROTOCOL', `unknown client control op '${m.op}'`);
      },
      onClose: () => {
        this.clients.delete(link);
        this.sessions.onClientClosed(link);
      },
    });
    this.log.info({ link: link.linkId, client: name }, 'client connected');
  }
}
