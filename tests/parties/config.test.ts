import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultLimits, loadPartiesConfig, parsePartiesConfig, partyDataDir, partyKeyFile } from '../../src/parties/config.js';
import { generateIdentity, readKeyFile, toHex, writeKeyFile } from '../../src/parties/keys.js';
import { writeLocalSetup } from '../../src/parties/local-cluster.js';
import { MPC_ERROR_CODES, MpcError } from '../../src/protocols/errors.js';
import { REPO_ROOT } from '../../src/parties/local-cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'triform-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as MpcError).code}: ${(e as Error).message}`;
  }
  return 'no error';
}

describe('keys and parties.json', () => {
  const s = writeLocalSetup({ out: join(dir, 'k'), basePort: 7400, clients: ['client', 'owner'] });

  it('writes one private key per file with mode 0600 and a valid config', () => {
    expect(s.keyFiles).toHaveLength(5);
    for (const f of s.keyFiles) expect(statSync(f).mode & 0o777).toBe(0o600);
    const cfg = loadPartiesConfig(s.configPath);
    expect(cfg.parties.map((p) => p.port)).toEqual([7400, 7401, 7402]);
    expect(cfg.clients.map((c) => c.name)).toEqual(['client', 'owner']);
    expect(cfg.heartbeatTimeoutMs).toBe(5000);
    expect(partyKeyFile(cfg, 1)).toBe(join(dir, 'k', 'p1.key'));
    expect(partyDataDir(cfg, 2)).toBe(join(dir, 'k', 'data', 'p2'));
    const p1 = readKeyFile(partyKeyFile(cfg, 1));
    expect(toHex(p1.publicKey)).toBe(cfg.parties[1].publicKey);
    expect(p1.insecureMode).toBe(false);
    // the config holds no private material
    const text = readFileSync(s.configPath, 'utf8');
    for (const f of s.keyFiles) expect(text).not.toContain(JSON.parse(readFileSync(f, 'utf8')).secretKey);
  });

  it('refuses to overwrite without force', () => {
    expect(codeOf(() => writeLocalSetup({ out: join(dir, 'k') }))).toMatch(/MPC_ERR_CONFIG: .*exists/);
  });

  it('rejects a bad config naming the field', () => {
    const good = JSON.parse(readFileSync(s.configPath, 'utf8'));
    const bad = (mut: (c: any) => void) => {
      const c = structuredClone(good);
      mut(c);
      return codeOf(() => parsePartiesConfig(c, dir));
    };
    expect(bad((c) => (c.parties[1].port = 70000))).toMatch(/^MPC_ERR_CONFIG: .*parties\[1\]\.port/);
    expect(bad((c) => (c.parties[2].publicKey = 'zz'))).toMatch(/parties\[2\]\.publicKey: must be 64 hex/);
    expect(bad((c) => c.parties.pop())).toMatch(/parties: /);
    expect(bad((c) => (c.parties[0].id = 1))).toMatch(/parties\[0\]\.id/);
    expect(bad((c) => (c.clients[0].publicKey = c.parties[0].publicKey))).toMatch(/clients\[0\]\.publicKey: same public key as parties\[0\]/);
    expect(bad((c) => (c.heartbeatTimeoutMs = 'fast'))).toMatch(/heartbeatTimeoutMs/);
    expect(bad((c) => (c.extra = 1))).toMatch(/extra|Unrecognized/);
    expect(bad((c) => delete c.version)).toMatch(/version/);
    expect(bad((c) => (c.limits.maxPayloadBytes = 10))).toMatch(/limits\.maxPayloadBytes/);
    expect(bad((c) => (c.limits.maxSessionBufferBytes = 4096))).toMatch(/limits\.maxSessionBufferBytes: must be at least maxFrameBytes/);
    expect(bad((c) => (c.limits.maxUnauthPerAddress = 0))).toMatch(/limits\.maxUnauthPerAddress/);
  });

  it('every limit has a safe default, and every limit and error code is documented in docs/errors.md', () => {
    const l = defaultLimits();
    expect(l).toMatchObject({ maxFrameBytes: 256 * 2 ** 20, maxPreAuthBytes: 16 * 1024, maxUnauthConnections: 256, maxUnauthPerAddress: 32, maxLinksPerClient: 32, maxQueuedSessions: 64, maxPendingSessionsPerClient: 16, pendingSessionTimeoutMs: 30_000, maxSessionBufferBytes: 512 * 2 ** 20, maxLinkBufferBytes: 512 * 2 ** 20 });
    const good = JSON.parse(readFileSync(s.configPath, 'utf8'));
    expect(good.limits).toEqual(l); // what npm run keys writes
    delete good.limits;
    expect(parsePartiesConfig(good, dir).limits).toEqual(l);
    // a parties.json from before these limits (maxFrameBytes 2 GiB) still loads; the buffers follow it
    good.limits = { maxPayloadBytes: 8 * 2 ** 20, maxFrameBytes: 2 ** 31, handshakeTimeoutMs: 5000, clientInputTimeoutMs: 120_000 };
    expect(parsePartiesConfig(good, dir).limits).toMatchObject({ maxFrameBytes: 2 ** 31, maxSessionBufferBytes: 2 ** 31, maxLinkBufferBytes: 2 ** 31, maxUnauthConnections: 256 });
    const doc = readFileSync(join(REPO_ROOT, 'docs/errors.md'), 'utf8');
    for (const k of Object.keys(l)) expect(doc, k).toContain(`| \`${k}\` |`);
    MPC_ERROR_CODES.forEach((code, i) => expect(doc, code).toContain(`| \`${code}\` | ${4000 + i} |`));
  });

  it('reports unreadable or non-JSON config files', () => {
    expect(codeOf(() => loadPartiesConfig(join(dir, 'missing.json')))).toMatch(/MPC_ERR_CONFIG: cannot read/);
    writeFileSync(join(dir, 'broken.json'), '{');
    expect(codeOf(() => loadPartiesConfig(join(dir, 'broken.json')))).toMatch(/MPC_ERR_CONFIG: .*not valid JSON/);
  });

  it('checks key files', () => {
    const f = join(dir, 'x.key');
    writeKeyFile(f, generateIdentity('X'));
    chmodSync(f, 0o644);
    expect(readKeyFile(f).insecureMode).toBe(true);
    const j = JSON.parse(readFileSync(f, 'utf8'));
    j.publicKey = toHex(generateIdentity('Y').publicKey);
    writeFileSync(f, JSON.stringify(j));
    expect(codeOf(() => readKeyFile(f))).toMatch(/does not match/);
  });
});
