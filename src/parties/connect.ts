/**
 * Opening links: `dialLink` (initiator: lower party id → higher, or client → party) and
 * `acceptLink` (responder: the party server). Both drive the handshake of handshake.ts over a
 * raw WebSocket and hand the socket to a SecureLink. Any failure closes the socket with a
 * reason code; the responder logs it and keeps serving.
 */
import { WebSocket } from 'ws';
import { MpcError } from '../protocols/errors.js';
import type { PartiesConfig } from './config.js';
import type { PeerIdentity, Hello } from './handshake.js';
import { initiatorFinish, initiatorHello, parseHello, responderAccept, responderVerify } from './handshake.js';
import type { Identity } from './keys.js';
import type { Logger } from './log.js';
import { logRepeated } from './log-repeat.js';
import { closeCodeOf, closeReason, codeOfClose } from './close-codes.js';
import type { NetShape } from './net-shaper.js';
import { SecureLink, type LinkLimits } from './secure-link.js';

export interface LinkOptions extends LinkLimits {
  handshakeTimeoutMs: number;
  log: Logger;
}

/** The link options a parties config sets (the server's links, and a client's with net = null). */
export function linkOptions(cfg: PartiesConfig, log: Logger, net: NetShape | null = null): LinkOptions {
  return {
    net,
    heartbeatTimeoutMs: cfg.heartbeatTimeoutMs,
    maxPayloadBytes: cfg.limits.maxPayloadBytes,
    maxFrameBytes: cfg.limits.maxFrameBytes,
    maxLinkBufferBytes: cfg.limits.maxLinkBufferBytes,
    handshakeTimeoutMs: cfg.limits.handshakeTimeoutMs,
    log,
  };
}

/** Buffers the raw handshake messages of a socket until a SecureLink takes it over. */
class HandshakeInbox {
  private readonly msgs: Buffer[] = [];
  private waiter: { resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  private failure: MpcError | null = null;
  private readonly onMsg = (data: Buffer) => {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(data);
    } else this.msgs.push(data);
  };
  private readonly onClose = (code: number, reason: Buffer) => {
    const remote = codeOfClose(code);
    const text = reason.toString();
    this.fail(remote ? new MpcError(remote, `${this.peer} rejected the link: ${text}`) : new MpcError('MPC_ERR_PEER_CLOSED', `${this.peer} closed the link during the handshake (ws code ${code})`));
  };
  private readonly onError = (e: Error) => this.fail(new MpcError('MPC_ERR_PEER_CLOSED', `${this.peer}: ${e.message}`));

  constructor(
    private readonly ws: WebSocket,
    private readonly peer: string,
  ) {
    ws.on('message', this.onMsg);
    ws.on('close', this.onClose);
    ws.on('error', this.onError);
  }

  private fail(e: MpcError): void {
    this.failure ??= e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(e);
    }
  }

  next(): Promise<Buffer> {
    const m = this.msgs.shift();
    if (m) return Promise.resolve(m);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Stop listening; the messages not consumed yet go to the SecureLink. */
  detach(): Buffer[] {
    this.ws.off('message', this.onMsg);
    this.ws.off('close', this.onClose);
    this.ws.off('error', this.onError);
    return this.msgs.splice(0);
  }
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    t = setTimeout(() => {
      onTimeout();
      reject(new MpcError('MPC_ERR_TIMEOUT', `${what} did not complete within ${ms} ms`));
    }, ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(t));
}

const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

export interface DialTarget {
  url: string;
  /** Party id of the responder and its public key from the config. */
  to: 0 | 1 | 2;
  publicKey: Uint8Array;
}

/** Connect to a party and authenticate both ways. Rejects with an MpcError (never hangs). */
export async function dialLink(me: Identity, role: 'party' | 'client', myId: number | null, target: DialTarget, opts: LinkOptions): Promise<SecureLink> {
  // Every message is an AEAD ciphertext already: RFC 6455 client masking (a defence for browsers
  // behind caching proxies) adds nothing here and costs a JS XOR pass, so use ws's zero mask.
  const ws = new WebSocket(target.url, { perMessageDeflate: false, maxPayload: opts.maxPayloadBytes, handshakeTimeout: opts.handshakeTimeoutMs, generateMask: zeroMask });
  ws.binaryType = 'nodebuffer';
  const inbox = new HandshakeInbox(ws, `P${target.to}`);
  const run = async (): Promise<SecureLink> => {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (e: Error) => reject(new MpcError('MPC_ERR_PEER_CLOSED', `cannot reach P${target.to} at ${target.url}: ${e.message}`, { party: target.to })));
      ws.once('close', () => reject(new MpcError('MPC_ERR_PEER_CLOSED', `P${target.to} closed the connection`, { party: target.to })));
    });
    const { msg, state } = initiatorHello(me, role, myId, target.to);
    ws.send(msg);
    const { msg: fin, keys } = initiatorFinish(me, state, await inbox.next(), { id: target.to, publicKey: target.publicKey });
    ws.send(fin);
    const peer: PeerIdentity = { role: 'party', id: target.to, publicKey: target.publicKey };
    const link = new SecureLink(ws, keys, peer, true, { ...opts, batch: role === 'party' }, opts.log.child({ peer: `P${target.to}` }), inbox.detach());
    await link.ready;
    return link;
  };
  try {
    return await withDeadline(run(), opts.handshakeTimeoutMs, `handshake with P${target.to}`, () => ws.terminate());
  } catch (e) {
    inbox.detach();
    ws.on('error', () => undefined);
    if (ws.readyState === ws.OPEN && e instanceof MpcError && e.code === 'MPC_ERR_AUTH') ws.close(closeCodeOf('MPC_ERR_AUTH'), closeReason(`MPC_ERR_AUTH: ${e.message}`));
    else ws.terminate();
    throw e instanceof MpcError ? e : new MpcError('MPC_ERR_PEER_CLOSED', `handshake with P${target.to} failed: ${(e as Error).message}`, { party: target.to, cause: e });
  }
}

/**
 * Responder side of the handshake on an accepted socket. `authorize` maps the hello's claimed
 * identity to a config entry or throws MPC_ERR_AUTH (unknown key, unexpected dialer).
 */
export async function acceptLink(ws: WebSocket, me: Identity, myId: number, authorize: (hello: Hello) => PeerIdentity, opts: LinkOptions, remote: string): Promise<SecureLink> {
  ws.binaryType = 'nodebuffer';
  const inbox = new HandshakeInbox(ws, remote);
  const run = async (): Promise<SecureLink> => {
    const helloRaw = await inbox.next();
    const hello = parseHello(helloRaw, myId);
    const peer = authorize(hello);
    const { msg, state } = responderAccept(me, myId, helloRaw, hello);
    ws.send(msg);
    const keys = responderVerify(state, await inbox.next(), peer.publicKey);
    const name = peer.role === 'party' ? `P${peer.id}` : `client:${peer.name}`;
    return new SecureLink(ws, keys, peer, false, { ...opts, batch: peer.role === 'party' }, opts.log.child({ peer: name }), inbox.detach());
  };
  try {
    return await withDeadline(run(), opts.handshakeTimeoutMs, `handshake from ${remote}`, () => undefined);
  } catch (e) {
    inbox.detach();
    const err = e instanceof MpcError ? e : new MpcError('MPC_ERR_AUTH', `handshake failed: ${(e as Error).message}`);
    logRepeated(opts.log, 'warn', `rejected:${err.code}:${err.message.replace(remote, '')}`, { code: err.code, reason: err.message, remote }, 'rejected link');
    ws.on('error', () => undefined);
    if (ws.readyState === ws.OPEN) ws.close(closeCodeOf(err.code), closeReason(`${err.code}: ${err.message}`));
    setTimeout(() => ws.terminate(), 1000).unref();
    throw err;
  }
}
