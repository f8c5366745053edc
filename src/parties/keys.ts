/**
 * Long-term Ed25519 identity keys: one per party and per client. A private key lives alone in a
 * file with mode 0600; public keys go into parties.json. Key material is never logged.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { MpcError } from '../protocols/errors.js';

export interface Identity {
  /** A label for logs ('P0', 'client'); not secret. */
  readonly name: string;
  readonly publicKey: Uint8Array; // [32]
  readonly secretKey: Uint8Array; // [32] Ed25519 seed
}

const KIND = 'triform-ed25519-secret-key';

export function generateIdentity(name: string): Identity {
  const { secretKey, publicKey } = ed25519.keygen();
  return { name, secretKey, publicKey };
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string, label: string, bytes: number): Uint8Array {
  if (!new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`).test(s)) throw new MpcError('MPC_ERR_CONFIG', `${label} must be ${2 * bytes} hex characters`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/**
 * Write a private key file readable only by its owner: created with mode 0600 at open time
 * (flag 'wx': a fresh file, so the mode applies; the umask can only remove bits). Overwriting
 * writes a fresh temporary file the same way and renames it over the old one, so the key is
 * never on disk with another mode, not even for a moment.
 */
export function writeKeyFile(path: string, id: Identity, overwrite = false): void {
  const body = JSON.stringify({ kind: KIND, name: id.name, publicKey: toHex(id.publicKey), secretKey: toHex(id.secretKey) }, null, 2) + '\n';
  if (!overwrite) return writeFileSync(path, body, { mode: 0o600, flag: 'wx' });
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(tmp, body, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Read a private key file; checks that the stored public key matches the secret key. */
export function readKeyFile(path: string): Identity & { insecureMode: boolean } {
  let text: string;
  let mode = 0;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (e) {
    throw new MpcError('MPC_ERR_CONFIG', `cannot read key file ${path}: ${(e as Error).message}`);
  }
  let j: { kind?: unknown; name?: unknown; publicKey?: unknown; secretKey?: unknown };
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    throw new MpcError('MPC_ERR_CONFIG', `key file ${path} is not valid JSON`);
  }
  if (j.kind !== KIND || typeof j.secretKey !== 'string' || typeof j.publicKey !== 'string') {
    throw new MpcError('MPC_ERR_CONFIG', `key file ${path} is not a ${KIND} file`);
  }
  const secretKey = fromHex(j.secretKey, `${path}: secretKey`, 32);
  const publicKey = ed25519.getPublicKey(secretKey);
  if (toHex(publicKey) !== j.publicKey.toLowerCase()) throw new MpcError('MPC_ERR_CONFIG', `key file ${path}: publicKey does not match secretKey`);
  return { name: typeof j.name === 'string' ? j.name : path, secretKey, publicKey, insecureMode: (mode & 0o077) !== 0 };
}
