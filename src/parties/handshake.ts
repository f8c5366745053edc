/**
 * Link handshake (runs over a fresh WebSocket, before any sealed message):
 *
 *   I → R  hello   {v, role, id, pub, eph, nonce, to}        role 'party' (id = its party id) or 'client'
 *   R → I  accept  {core = msgpack{v, id, pub, eph, nonce}, sig = Ed25519_R('resp' ‖ th)}
 *   I → R  finish  {sig = Ed25519_I('init' ‖ th)}
 *   R → I  first sealed message: CONTROL {op:'ready'}
 *
 * th = SHA-256('triform/1 handshake' ‖ len ‖ hello ‖ len ‖ core) binds both identities, both
 * ephemeral X25519 keys and both nonces. HKDF-SHA256(X25519(eph_I, eph_R), salt = th) gives
 * the initiator→responder and responder→initiator AES-256-GCM keys and a 32-byte link secret,
 * from which sessions derive their pairwise PRSS seeds. Each side checks the other's identity
 * key against the config before verifying its signature; an unknown key or a bad signature
 * closes the socket with MPC_ERR_AUTH.
 */
import { randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { MpcError } from '../protocols/errors.js';
import type { Identity } from './keys.js';
import { brief } from './close-codes.js';
import { packr } from './wire.js';

export const PROTOCOL_VERSION = 'triform/1';

/** Largest hello / accept / finish message (they are ~200 bytes); anything longer is malformed. */
export const MAX_HANDSHAKE_MESSAGE = 1024;

/** Who is at the other end of an authenticated link. */
export type PeerIdentity = { role: 'party'; id: 0 | 1 | 2; publicKey: Uint8Array } | { role: 'client'; name: string; publicKey: Uint8Array };

/** How a peer is named in messages: 'P1' or "client 'alice'". */
export function peerName(p: PeerIdentity): string {
  return p.role === 'party' ? `P${p.id}` : `client '${p.name}'`;
}

export interface LinkKeys {
  sendKey: Uint8Array; // [32]
  recvKey: Uint8Array; // [32]
  /** Shared by the two ends only; input to per-session seed derivation. */
  linkSecret: Uint8Array; // [32]
  /** Public transcript hash (identifies this link instance in logs and checks). */
  transcript: Uint8Array; // [32]
}

export interface Hello {
  v: string;
  role: 'party' | 'client';
  id: number | null;
  pub: Uint8Array;
  eph: Uint8Array;
  nonce: Uint8Array;
  to: number;
}

interface AcceptCore {
  v: string;
  id: number;
  pub: Uint8Array;
  eph: Uint8Array;
  nonce: Uint8Array;
}

const te = new TextEncoder();

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((t, p) => t + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function lenPrefixed(b: Uint8Array): Uint8Array {
  const l = new Uint8Array(4);
  new DataView(l.buffer).setUint32(0, b.length, false);
  return concatBytes(l, b);
}

function transcriptHash(hello: Uint8Array, core: Uint8Array): Uint8Array {
  return sha256(concatBytes(te.encode('triform/1 handshake'), lenPrefixed(hello), lenPrefixed(core)));
}

function deriveKeys(shared: Uint8Array, th: Uint8Array, initiator: boolean): LinkKeys {
  const okm = hkdf(sha256, shared, th, te.encode('triform/1 link keys'), 96);
  const i2r = okm.slice(0, 32);
  const r2i = okm.slice(32, 64);
  return { sendKey: initiator ? i2r : r2i, recvKey: initiator ? r2i : i2r, linkSecret: okm.slice(64, 96), transcript: th };
}

function bytes32(v: unknown, what: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== 32) throw new MpcError('MPC_ERR_AUTH', `handshake: malformed ${what}`);
  return v;
}

function unpackMap(raw: Uint8Array, what: string): Record<string, unknown> {
  let o: unknown;
  try {
    o = packr.unpack(raw);
  } catch {
    throw new MpcError('MPC_ERR_AUTH', `handshake: malformed ${what} (not msgpack)`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new MpcError('MPC_ERR_AUTH', `handshake: malformed ${what}`);
  return o as Record<string, unknown>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

/** Initiator side, step 1: the hello message and the state to finish with. */
export function initiatorHello(me: Identity, role: 'party' | 'client', myId: number | null, to: number): { msg: Uint8Array; state: { eph: { secretKey: Uint8Array; publicKey: Uint8Array }; hello: Uint8Array } } {
  const eph = x25519.keygen();
  const hello: Hello = { v: PROTOCOL_VERSION, role, id: myId, pub: me.publicKey, eph: eph.publicKey, nonce: randomBytes(32), to };
  const msg = packr.pack(hello);
  return { msg, state: { eph, hello: msg } };
}

/** Initiator side, step 2: check the responder's accept; returns the finish message and the keys. */
export function initiatorFinish(
  me: Identity,
  state: { eph: { secretKey: Uint8Array; publicKey: Uint8Array }; hello: Uint8Array },
  acceptRaw: Uint8Array,
  expected: { id: number; publicKey: Uint8Array },
): { msg: Uint8Array; keys: LinkKeys } {
  if (acceptRaw.length > MAX_HANDSHAKE_MESSAGE) throw new MpcError('MPC_ERR_AUTH', `handshake: accept of ${acceptRaw.length} bytes (at most ${MAX_HANDSHAKE_MESSAGE})`);
  const a = unpackMap(acceptRaw, 'accept');
  if (!(a.core instanceof Uint8Array)) throw new MpcError('MPC_ERR_AUTH', 'handshake: malformed accept');
  const sig = a.sig;
  if (!(sig instanceof Uint8Array) || sig.length !== 64) throw new MpcError('MPC_ERR_AUTH', 'handshake: malformed accept signature');
  const core = unpackMap(a.core, 'accept core') as unknown as AcceptCore;
  if (core.v !== PROTOCOL_VERSION) throw new MpcError('MPC_ERR_AUTH', `handshake: peer speaks ${brief(core.v)}, not ${PROTOCOL_VERSION}`);
  const pub = bytes32(core.pub, 'accept key');
  if (core.id !== expected.id || !sameBytes(pub, expected.publicKey)) {
    throw new MpcError('MPC_ERR_AUTH', `handshake: responder is not party ${expected.id} of the config (unknown key)`, { party: expected.id });
  }
  const th = transcriptHash(state.hello, a.core);
  if (!ed25519.verify(sig, concatBytes(te.encode('resp'), th), pub)) {
    throw new MpcError('MPC_ERR_AUTH', `handshake: bad signature from party ${expected.id}`, { party: expected.id });
  }
  const shared = x25519.getSharedSecret(state.eph.secretKey, bytes32(core.eph, 'accept ephemeral key'));
  const mySig = ed25519.sign(concatBytes(te.encode('init'), th), me.secretKey);
  return { msg: packr.pack({ sig: mySig }), keys: deriveKeys(shared, th, true) };
}

/**
 * Responder side, step 1: parse the hello (identity lookup is the caller's `authorize`). The
 * sender is not authenticated yet: the message size is bounded before decoding, and no field is
 * formatted into an error (logged, and echoed as the close reason) except through `brief`.
 */
export function parseHello(raw: Uint8Array, myId: number): Hello {
  if (raw.length > MAX_HANDSHAKE_MESSAGE) throw new MpcError('MPC_ERR_AUTH', `handshake: hello of ${raw.length} bytes (at most ${MAX_HANDSHAKE_MESSAGE})`);
  const h = unpackMap(raw, 'hello');
  if (h.v !== PROTOCOL_VERSION) throw new MpcError('MPC_ERR_AUTH', `handshake: peer speaks ${brief(h.v)}, not ${PROTOCOL_VERSION}`);
  if (h.role !== 'party' && h.role !== 'client') throw new MpcError('MPC_ERR_AUTH', 'handshake: malformed hello role');
  if (h.to !== myId) throw new MpcError('MPC_ERR_AUTH', `handshake: hello addressed to party ${brief(h.to)}, this is party ${myId}`);
  if (h.role === 'party' && h.id !== 0 && h.id !== 1 && h.id !== 2) throw new MpcError('MPC_ERR_AUTH', 'handshake: malformed hello id');
  return { v: h.v, role: h.role, id: h.role === 'party' ? (h.id as number) : null, pub: bytes32(h.pub, 'hello key'), eph: bytes32(h.eph, 'hello ephemeral key'), nonce: bytes32(h.nonce, 'hello nonce'), to: myId };
}

/** Responder side, step 2: the accept message for an authorized hello. */
export function responderAccept(me: Identity, myId: number, helloRaw: Uint8Array, hello: Hello): { msg: Uint8Array; state: { th: Uint8Array; shared: Uint8Array } } {
  const eph = x25519.keygen();
  const coreObj: AcceptCore = { v: PROTOCOL_VERSION, id: myId, pub: me.publicKey, eph: eph.publicKey, nonce: randomBytes(32) };
  const core = packr.pack(coreObj);
  const th = transcriptHash(helloRaw, core);
  const sig = ed25519.sign(concatBytes(te.encode('resp'), th), me.secretKey);
  const shared = x25519.getSharedSecret(eph.secretKey, hello.eph);
  return { msg: packr.pack({ core, sig }), state: { th, shared } };
}

/** Responder side, step 3: verify the initiator's finish signature. */
export function responderVerify(state: { th: Uint8Array; shared: Uint8Array }, finishRaw: Uint8Array, peerKey: Uint8Array): LinkKeys {
  if (finishRaw.length > MAX_HANDSHAKE_MESSAGE) throw new MpcError('MPC_ERR_AUTH', `handshake: finish of ${finishRaw.length} bytes (at most ${MAX_HANDSHAKE_MESSAGE})`);
  const f = unpackMap(finishRaw, 'finish');
  if (!(f.sig instanceof Uint8Array) || f.sig.length !== 64) throw new MpcError('MPC_ERR_AUTH', 'handshake: malformed finish signature');
  if (!ed25519.verify(f.sig, concatBytes(te.encode('init'), state.th), peerKey)) throw new MpcError('MPC_ERR_AUTH', 'handshake: bad signature');
  return deriveKeys(state.shared, state.th, false);
}

/** Per-session PRSS seed of one link: HKDF(link secret, salt = H(session ‖ both join nonces)). */
export function sessionSeed(linkSecret: Uint8Array, session: string, lowNonce: Uint8Array, highNonce: Uint8Array): Uint8Array {
  const salt = sha256(concatBytes(te.encode('triform/1 session'), lenPrefixed(te.encode(session)), lowNonce, highNonce));
  return hkdf(sha256, linkSecret, salt, te.encode('triform/1 prss seed'), 16);
}
