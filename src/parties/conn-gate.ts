/**
 * ConnectionGate: what an unauthenticated connection may cost a party. Anyone who can reach the
 * port can open TCP connections, so until a connection has finished the link handshake
 * (its peer proved a key listed in parties.json) it is
 *
 * - counted: at most `maxUnauthConnections` in total and `maxUnauthPerAddress` from one remote
 *   address (a flood of idle sockets or slow handshakes from one host or many); a connection
 *   over the cap is destroyed at once, before any HTTP parsing;
 * - byte-limited: at most `maxPreAuthBytes` received (HTTP upgrade + hello + finish are a few
 *   hundred bytes; an attacker streaming a huge hello is cut off long before ws buffers it);
 * - idle-limited: a socket with no traffic for `handshakeTimeoutMs` is destroyed (Node's own
 *   default would keep a raw idle TCP connection for ~90 s); after the WebSocket upgrade the
 *   link handshake deadline takes over.
 *
 * `authenticated(socket)` releases the slot. Rejections are logged with code MPC_ERR_LIMIT and
 * a bounded reason, at most one line per second (the count of the others is in the next line).
 */
import type { Socket } from 'node:net';
import type { Logger } from './log.js';

export interface GateLimits {
  maxUnauthConnections: number;
  maxUnauthPerAddress: number;
  maxPreAuthBytes: number;
  handshakeTimeoutMs: number;
}

interface Tracked {
  addr: string;
  bytes: number;
  onData: (d: Buffer) => void;
}

export class ConnectionGate {
  private readonly open = new Map<Socket, Tracked>();
  private readonly perAddr = new Map<string, number>();
  private suppressed = 0;
  private lastLog = 0;
  /** Connections refused or cut since start (tests and status). */
  rejected = 0;

  constructor(
    private readonly limits: GateLimits,
    private readonly log: Logger,
  ) {}

  /** Unauthenticated connections held right now. */
  get pending(): number {
    return this.open.size;
  }

  /** A new TCP connection: admit it (and start counting its bytes) or destroy it. */
  admit(socket: Socket): boolean {
    const addr = (socket.remoteAddress ?? '?').slice(0, 64);
    const fromAddr = this.perAddr.get(addr) ?? 0;
    if (this.open.size >= this.limits.maxUnauthConnections) return this.refuse(socket, `${this.open.size} unauthenticated connections (limits.maxUnauthConnections)`);
    if (fromAddr >= this.limits.maxUnauthPerAddress) return this.refuse(socket, `${fromAddr} unauthenticated connections from ${addr} (limits.maxUnauthPerAddress)`);
    const t: Tracked = {
      addr,
      bytes: 0,
      onData: (d: Buffer) => {
        t.bytes += d.length;
        if (t.bytes > this.limits.maxPreAuthBytes) this.cut(socket, `${addr} sent more than ${this.limits.maxPreAuthBytes} bytes before authenticating (limits.maxPreAuthBytes)`);
      },
    };
    this.open.set(socket, t);
    this.perAddr.set(addr, fromAddr + 1);
    socket.on('data', t.onData);
    socket.once('close', () => this.release(socket));
    socket.setTimeout(this.limits.handshakeTimeoutMs, () => this.cut(socket, `${addr} idle for ${this.limits.handshakeTimeoutMs} ms before the WebSocket upgrade (limits.handshakeTimeoutMs)`));
    return true;
  }

  /** The connection's peer proved its identity: it no longer counts against the caps. */
  authenticated(socket: Socket): void {
    this.release(socket);
  }

  private release(socket: Socket): void {
    const t = this.open.get(socket);
    if (!t) return;
    this.open.delete(socket);
    socket.off('data', t.onData);
    const n = (this.perAddr.get(t.addr) ?? 1) - 1;
    if (n <= 0) this.perAddr.delete(t.addr);
    else this.perAddr.set(t.addr, n);
  }

  private cut(socket: Socket, reason: string): void {
    this.release(socket);
    this.refuse(socket, reason);
  }

  private refuse(socket: Socket, reason: string): false {
    this.rejected++;
    socket.destroy();
    const now = Date.now();
    if (now - this.lastLog >= 1000) {
      this.log.warn({ code: 'MPC_ERR_LIMIT', reason, alsoRefused: this.suppressed }, 'refused unauthenticated connection');
      this.lastLog = now;
      this.suppressed = 0;
    } else this.suppressed++;
    return false;
  }
}
