/**
 * Real processes: three `scripts/party.ts` children on loopback (ports chosen at run time), the
 * `scripts/selftest.ts` CLI, a party killed (SIGKILL) or frozen (SIGSTOP) mid-session, restart.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TriformClient } from '../../src/parties/client.js';
import { TriformClient as Client } from '../../src/parties/client.js';
import { PartyProcess, REPO_ROOT } from '../../src/parties/local-cluster.js';
import { checkSelftest, selftestClient, selftestInputs, selftestLocal } from '../../src/programs/selftest.js';
import { MpcError } from '../../src/protocols/errors.js';
import { makeSetup, SLACK_MS, WAIT_MS, type Setup } from './helpers.js';

const HB = 1500;
let setup: Setup;
const procs: PartyProcess[] = [];
let client: TriformClient;

async function startParty(id: number): Promise<PartyProcess> {
  const p = new PartyProcess(setup.configPath, id, { logLevel: 'info' });
  procs[id] = p;
  await p.waitFor(/listening/, WAIT_MS);
  return p;
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/selftest.ts'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.resume();
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

/** pino "time" (ms) of the first line of party `id` matching `re` after `from`. */
async function loggedAt(id: number, re: RegExp, from: number): Promise<{ time: number; line: Record<string, unknown> }> {
  const line = await procs[id].waitFor(re, WAIT_MS, from);
  const j = JSON.parse(line) as Record<string, unknown>;
  return { time: j.time as number, line: j };
}

beforeAll(async () => {
  setup = await makeSetup({ heartbeatTimeoutMs: HB });
  await Promise.all([0, 1, 2].map(startParty));
  client = await Client.connect({ config: setup.config, identity: setup.client, connectTimeoutMs: 10_000 });
});

afterAll(async () => {
  client?.close();
  for (const p of procs) {
    p?.kill('SIGCONT');
    p?.kill('SIGTERM');
  }
  await Promise.all(procs.map((p) => p?.exited));
  setup?.cleanup();
});

describe('party processes', () => {
  it('the selftest CLI passes and its cost equals the in-memory run', async () => {
    const { code, stdout } = await runCli(['--config', setup.configPath, '--size', '12', '--compare', '--json']);
    const out = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(out).toMatchObject({ ok: true, error: null, costMatchesLocal: true, size: 12 });
    expect(out.bytesPerParty).toEqual(out.local.bytesPerParty);
    expect(out.rounds).toBe(out.local.rounds);
    expect(out.framingOverheadPerParty.every((b: number) => b > 0)).toBe(true);
    expect(code).toBe(0);
  });

  it('the same workload from an in-process client matches plaintext and the in-memory cost', async () => {
    const N = 20;
    const inp = selftestInputs(N);
    const r = await client.run('selftest', { size: N }, (s) => selftestClient(s, N, inp));
    expect(checkSelftest(N, inp, r.local)).toEqual([]);
    const local = await selftestLocal(N, inp);
    expect(r.cost.bytesSent).toEqual(local.cost.bytesSent);
    expect(r.cost.rounds).toBe(local.cost.rounds);
  });

  it('killing a party mid-session: client and survivors report within the timeout; the next session runs after restart', async () => {
    const from = [0, 1, 2].map((i) => procs[i].lines.length);
    const run = client.run('bench/net', { bytes: 0, rounds: 100_000 });
    await procs[2].waitFor(/session start/, WAIT_MS, from[2]);
    await new Promise((r) => setTimeout(r, 100));
    const killedAt = Date.now();
    procs[2].kill('SIGKILL');
    const err = (await run.catch((e: unknown) => e)) as MpcError;
    const clientMs = Date.now() - killedAt;
    expect(err).toBeInstanceOf(MpcError);
    expect(err.code).toBe('MPC_ERR_PEER_CLOSED');
    expect(clientMs).toBeLessThan(HB + SLACK_MS); // a closed link, not a heartbeat timeout: see the code above
    for (const id of [0, 1]) {
      const { time, line } = await loggedAt(id, /session failed/, from[id]);
      expect(line.code).toMatch(/MPC_ERR_PEER_CLOSED|MPC_ERR_ABORTED/);
      expect(time - killedAt).toBeLessThan(HB + SLACK_MS);
    }
    await procs[2].exited;
    await startParty(2);
    const inp = selftestInputs(6);
    const r = await client.run('selftest', { size: 6 }, (s) => selftestClient(s, 6, inp));
    expect(checkSelftest(6, inp, r.local)).toEqual([]);
  });

  it('a frozen party (SIGSTOP) times out everywhere within the heartbeat; after SIGCONT sessions run again', async () => {
    const from = [0, 1, 2].map((i) => procs[i].lines.length);
    const run = client.run('bench/net', { bytes: 0, rounds: 100_000 });
    await procs[1].waitFor(/session start/, WAIT_MS, from[1]);
    await new Promise((r) => setTimeout(r, 100));
    const stoppedAt = Date.now();
    procs[1].kill('SIGSTOP');
    const err = (await run.catch((e: unknown) => e)) as MpcError;
    const clientMs = Date.now() - stoppedAt;
    expect(err.code).toBe('MPC_ERR_TIMEOUT');
    expect(clientMs).toBeLessThan(HB + 1000 + SLACK_MS);
    for (const id of [0, 2]) {
      const { time } = await loggedAt(id, /session failed/, from[id]);
      expect(time - stoppedAt).toBeLessThan(HB + 1000 + SLACK_MS);
    }
    procs[1].kill('SIGCONT');
    const r = await client.run('ping', {});
    expect(r.results).toEqual([{ party: 0 }, { party: 1 }, { party: 2 }]);
  });

  it('npm run parties: three prefixed party processes; SIGINT stops all three', async () => {
    const other = await makeSetup({ heartbeatTimeoutMs: HB });
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/parties.ts'), '--config', other.configPath, '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.resume();
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const t0 = Date.now();
      while (!['P0 | ', 'P1 | ', 'P2 | '].every((p) => out.split('\n').some((l) => l.startsWith(p) && l.includes('link to'))) && Date.now() - t0 < WAIT_MS) await new Promise((r) => setTimeout(r, 50));
      const c2 = await Client.connect({ config: other.config, identity: other.client, connectTimeoutMs: 10_000 });
      expect((await c2.run('ping', {})).results).toEqual([{ party: 0 }, { party: 1 }, { party: 2 }]);
      c2.close();
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      for (const id of [0, 1, 2]) expect(out).toMatch(new RegExp(`P${id} \\| .*"msg":"stopped"`));
    } finally {
      other.cleanup();
    }
  });
});

