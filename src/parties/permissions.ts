/**
 * Data at rest: a party's private key file and its share folder must be private to the user
 * running the party. Anyone else on the host who can read the three parties' folders (or one
 * party's key) breaks the honest-majority assumption: shares of the three parties reconstruct
 * the weights, and a key lets them impersonate the party. So shares are written 0600 in 0700
 * folders and keys 0600, with the mode passed at open time (never written first and chmod-ed
 * after), and a party refuses to start when its key file or share folder is accessible to
 * group or others, unless the operator says `--insecure-permissions`.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MpcError } from '../protocols/errors.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Group/other permission bits of an existing path. */
function openBits(path: string): number {
  return lstatSync(path).mode & 0o077;
}

const octal = (m: number) => `0${(m & 0o777).toString(8)}`;

/** Folders and files under a share folder that group or others can access (depth ≤ 3: data/models/<id>/files). */
export function exposedUnder(dir: string, depth = 3): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  if (openBits(dir)) out.push(dir);
  const st = lstatSync(dir);
  if (!st.isDirectory() || depth === 0) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = lstatSync(p);
    if (s.isDirectory()) out.push(...exposedUnder(p, depth - 1));
    else if (s.mode & 0o077) out.push(p);
  }
  return out;
}

export interface PermissionReport {
  /** Problems found (empty when everything is private). */
  problems: string[];
}

/**
 * Check the key file and the share folder of a party (creating the folder 0700 if absent).
 * Throws MPC_ERR_CONFIG naming the path and the chmod that fixes it, unless `insecure`; then
 * the problems are returned for a warning.
 */
export function checkPartyPermissions(o: { keyFile: string; dataDir: string; insecure: boolean }): PermissionReport {
  const problems: string[] = [];
  if (existsSync(o.keyFile) && openBits(o.keyFile)) {
    problems.push(`key file ${o.keyFile} has mode ${octal(lstatSync(o.keyFile).mode)} (group/others can read or write it): run chmod 600 ${o.keyFile}`);
  }
  mkdirSync(o.dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const exposed = exposedUnder(o.dataDir);
  if (exposed.length > 0) {
    const first = exposed[0];
    problems.push(`share folder ${o.dataDir}: ${exposed.length} path(s) accessible to group/others, e.g. ${first} (mode ${octal(lstatSync(first).mode)}): run chmod -R go-rwx ${o.dataDir}`);
  }
  if (problems.length > 0 && !o.insecure) throw new MpcError('MPC_ERR_CONFIG', `refusing to start: ${problems.join('; ')} (or pass --insecure-permissions)`);
  return { problems };
}
