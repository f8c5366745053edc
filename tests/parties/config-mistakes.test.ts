/**
 * Configuration mistakes caught up front or reported once: two parties on one address fail
 * validation; a party's key file that is not the config's key for it fails at start; a peer
 * refusing our key is logged once per window with a repeat count, not twice a second forever.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPartyKey, parsePartiesConfig } from '../../src/parties/config.js';
import { generateIdentity, readKeyFile, toHex } from '../../src/parties/keys.js';
import { logRepeated } from '../../src/parties/log-repeat.js';
import { PartyServer } from '../../src/parties/server.js';
import { builtinPrograms } from '../../src/programs/index.js';
import { LogSink, makeSetup, type Setup } from './helpers.js';

const setups: Setup[] = [];
afterAll(() => setups.forEach((s) => s.cleanup()));

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
};

describe('config mistakes', () => {
  it('two parties on the same host:port fail validation, naming both', async () => {
    const s = await makeSetup();
    setups.push(s);
    const c = JSON.parse(readFileSync(s.configPath, 'utf8'));
    c.parties[2].port = c.parties[0].port;
    expect(errorOf(() => parsePartiesConfig(c, s.dir))).toMatch(/^MPC_ERR_CONFIG: .*parties\[2\]\.port: P2 and P0 both use 127\.0\.0\.1:\d+/);
    c.parties[2].host = 'localhost'; // another name may be another address: not ours to decide
    expect(errorOf(() => parsePartiesConfig(c, s.dir))).toBe('no error');
  });

  it("a party's key file that is not the config's key for that party fails at start", async () => {
    const s = await makeSetup();
    setups.push(s);
    const p1 = readKeyFile(join(s.dir, 'p1.key'));
    expect(errorOf(() => checkPartyKey(s.config, 1, toHex(p1.publicKey), 'p1.key'))).toBe('no error');
    expect(errorOf(() => checkPartyKey(s.config, 0, toHex(p1.publicKey), 'p1.key'))).toMatch(/^MPC_ERR_CONFIG: the key in p1\.key is not P0's key .*different `npm run keys` runs/);
  });

  it('logRepeated: the first line at once, repeats counted, one line per window', () => {
    const sink = new LogSink();
    const log = sink.logger('info');
    let now = 0;
    const o = { windowMs: 30_000, now: () => now };
    const emit = () => logRepeated(log, 'warn', 'k', { code: 'X' }, 'link refused', o);
    expect(emit()).toBe(true);
    for (let i = 0; i < 59; i++) {
      now += 500;
      expect(emit()).toBe(false);
    }
    now += 500; // 30 s after the first line
    expect(emit()).toBe(true);
    expect(sink.lines.map((l) => [l.msg, l.repeats])).toEqual([
      ['link refused', undefined],
      ['link refused (59 more times in the last 30 s)', 59],
    ]);
    expect(logRepeated(log, 'warn', 'other', {}, 'other')).toBe(true); // keys are independent
  });

  it('a peer that refuses our key: each side logs it once, not on every retry', async () => {
    const s = await makeSetup();
    setups.push(s);
    // P1 was given a parties.json from another `npm run keys`: it does not know P0's key
    const wrong = { ...s.config, parties: s.config.parties.map((p, i) => (i === 0 ? { ...p, publicKey: toHex(generateIdentity('X').publicKey) } : p)) };
    const sinks = [new LogSink(), new LogSink()];
    const servers = [
      new PartyServer({ config: s.config, id: 0, identity: readKeyFile(join(s.dir, 'p0.key')), log: sinks[0].logger('info'), programs: builtinPrograms() }),
      new PartyServer({ config: wrong, id: 1, identity: readKeyFile(join(s.dir, 'p1.key')), log: sinks[1].logger('info'), programs: builtinPrograms() }),
    ];
    try {
      await Promise.all(servers.map((x) => x.start()));
      const refused = (l: Record<string, unknown>) => /link to P1 refused/.test(String(l.msg));
      const rejected = (l: Record<string, unknown>) => l.msg === 'rejected link' && /unknown key claiming to be P0/.test(String(l.reason));
      await sinks[0].waitFor(refused, 30_000);
      await sinks[1].waitFor(rejected, 30_000);
      // P0 retries every ≤ 0.5 s; give it several retries (more under load is fine, fewer only weakens the check)
      await new Promise((r) => setTimeout(r, 2000));
      expect(sinks[0].lines.filter(refused)).toHaveLength(1);
      expect(sinks[1].lines.filter(rejected)).toHaveLength(1);
      expect(String(sinks[0].lines.find(refused)?.msg)).toMatch(/same parties\.json/);
    } finally {
      await Promise.all(servers.map((x) => x.stop()));
    }
  }, 60_000);
});
