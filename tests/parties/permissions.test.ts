/**
 * Data at rest: share folders 0700 and files 0600, key files 0600 at open time (even with a
 * permissive umask), and a party that refuses to start on a key file or share folder that group
 * or others can access, unless --insecure-permissions.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { partyDataDir, partyKeyFile } from '../../src/parties/config.js';
import { generateIdentity, readKeyFile, writeKeyFile } from '../../src/parties/keys.js';
import { PartyProcess } from '../../src/parties/local-cluster.js';
import { checkPartyPermissions } from '../../src/parties/permissions.js';
import { uploadModel } from '../../src/programs/model.js';
import { makeSetup, startCluster } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'triform-perm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

/** Run `fn` with umask 0 (so only the mode given at open time protects a file). */
async function withOpenUmask<T>(fn: () => Promise<T>): Promise<T> {
  const old = process.umask(0);
  try {
    return await fn();
  } finally {
    process.umask(old);
  }
}

describe('data at rest', () => {
  it('uploaded shares are 0600 files in 0700 folders, even under umask 0', async () => {
    const c = await startCluster();
    try {
      const tensors = new Map([['w', { shape: [4, 3], data: new Float64Array(12).map((_, i) => i / 7) }]]);
      await withOpenUmask(() => uploadModel(c.config, 'tiny', tensors, undefined, { client: undefined, identity: c.client }));
      for (const id of [0, 1, 2] as const) {
        const data = partyDataDir(c.config, id);
        for (const d of [data, join(data, 'models'), join(data, 'models', 'tiny')]) expect([d, mode(d)]).toEqual([d, 0o700]);
        const files = readdirSync(join(data, 'models', 'tiny'));
        expect(files.sort()).toEqual(['manifest.json', 't0.s0', 't0.s1']);
        for (const f of files) expect([f, mode(join(data, 'models', 'tiny', f))]).toEqual([f, 0o600]);
      }
      expect(checkPartyPermissions({ keyFile: partyKeyFile(c.config, 1), dataDir: partyDataDir(c.config, 1), insecure: false }).problems).toEqual([]);
    } finally {
      await c.stop();
    }
  });

  it('key files are 0600 from the start, also when overwriting a 0644 file', async () => {
    await withOpenUmask(async () => {
      const f = join(dir, 'a.key');
      writeKeyFile(f, generateIdentity('A'));
      expect(mode(f)).toBe(0o600);
      writeFileSync(join(dir, 'b.key'), 'old', { mode: 0o644 });
      writeKeyFile(join(dir, 'b.key'), generateIdentity('B'), true);
      expect(mode(join(dir, 'b.key'))).toBe(0o600);
      expect(readKeyFile(join(dir, 'b.key')).name).toBe('B');
      expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    });
  });

  it('refuses an exposed key file or share folder, naming the path and the fix; --insecure-permissions only warns', () => {
    const key = join(dir, 'p.key');
    const data = join(dir, 'data-p');
    writeKeyFile(key, generateIdentity('P'));
    checkPartyPermissions({ keyFile: key, dataDir: data, insecure: false }); // creates the folder 0700
    expect(mode(data)).toBe(0o700);
    chmodSync(key, 0o644);
    expect(() => checkPartyPermissions({ keyFile: key, dataDir: data, insecure: false })).toThrow(new RegExp(`refusing to start: key file ${key} has mode 0644.*chmod 600 ${key}.*--insecure-permissions`));
    chmodSync(key, 0o600);
    mkdirSync(join(data, 'models', 'm'), { recursive: true, mode: 0o700 });
    writeFileSync(join(data, 'models', 'm', 't0.s0'), 'x', { mode: 0o640 });
    expect(() => checkPartyPermissions({ keyFile: key, dataDir: data, insecure: false })).toThrow(/share folder .*1 path\(s\) accessible to group\/others, e\.g\. .*t0\.s0 \(mode 0640\): run chmod -R go-rwx/);
    chmodSync(data, 0o755);
    const r = checkPartyPermissions({ keyFile: key, dataDir: data, insecure: true });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/2 path\(s\)/);
  });

  it('the party CLI refuses to start on a group-readable key unless --insecure-permissions', async () => {
    const s = await makeSetup();
    try {
      chmodSync(partyKeyFile(s.config, 0), 0o640);
      const refused = new PartyProcess(s.configPath, 0);
      const allowed = new PartyProcess(s.configPath, 0, { partyArgs: ['--insecure-permissions'] });
      try {
        expect(await refused.exited).toBe(1);
        expect(refused.lines.join('\n')).toMatch(/MPC_ERR_CONFIG.*refusing to start: key file .*p0\.key has mode 0640.*chmod 600/);
        await allowed.waitFor(/P0 listening/);
        expect(allowed.lines.join('\n')).toMatch(/--insecure-permissions: key file .*p0\.key has mode 0640/);
      } finally {
        refused.kill();
        allowed.kill();
      }
    } finally {
      s.cleanup();
    }
  });
});
