/** Test harness: keys + config in a temp folder, three in-process party servers, captured logs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PartyId } from '../../src/protocols/channel.js';
import { TriformClient } from '../../src/parties/client.js';
import { loadPartiesConfig, type PartiesConfig } from '../../src/parties/config.js';
import { readKeyFile, type Identity } from '../../src/parties/keys.js';
import { findFreePorts, PartyProcess, writeLocalSetup } from '../../src/parties/local-cluster.js';
import { createLogger, type Logger } from '../../src/parties/log.js';
import type { ProgramRegistry } from '../../src/parties/program-table.js';
import { PartyServer } from '../../src/parties/server.js';
import { builtinPrograms } from '../../src/programs/index.js';

/**
 * Test timing under load (a full suite on 2 busy cores): waits for an event are event-driven
 * with a generous deadline (WAIT_MS), and a bound on how fast something happened gets SLACK_MS
 * of scheduling slack on top of what the code promises (TRIFORM_TEST_SLACK_MS overrides).
 */
export const WAIT_MS = 30_000;
export const SLACK_MS = Number(process.env.TRIFORM_TEST_SLACK_MS ?? 5000);

/** Log lines captured in memory (JSON objects). */
export class LogSink {
  readonly lines: Record<string, unknown>[] = [];
  write(s: string): void {
    for (const l of s.split('\n')) if (l.trim()) this.lines.push(JSON.parse(l) as Record<string, unknown>);
  }
  logger(level = 'debug'): Logger {
    return createLogger({ level, destination: this });
  }
  has(pred: (l: Record<string, unknown>) => boolean): boolean {
    return this.lines.some(pred);
  }
  /** The first line (from index `from` on) matching `pred`, waiting up to `ms`. */
  async waitFor(pred: (l: Record<string, unknown>) => boolean, ms = WAIT_MS, from = 0): Promise<Record<string, unknown>> {
    const t0 = Date.now();
    for (;;) {
      const l = this.lines.slice(from).find(pred);
      if (l) return l;
      if (Date.now() - t0 > ms) throw new Error(`no matching log line within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export interface Setup {
  dir: string;
  configPath: string;
  config: PartiesConfig;
  client: Identity;
  cleanup(): void;
}

export interface SetupOptions {
  heartbeatTimeoutMs?: number;
  clients?: string[];
  /** Overrides of parties.json "limits". */
  limits?: Record<string, number>;
}

export async function makeSetup(opts: SetupOptions = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'triform-test-'));
  const ports = (await findFreePorts(3)) as [number, number, number];
  const s = writeLocalSetup({ out: dir, ports, heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 2000, ...(opts.clients ? { clients: opts.clients } : {}) });
  if (opts.limits) writeFileSync(s.configPath, JSON.stringify({ ...s.config, limits: { ...s.config.limits, ...opts.limits } }, null, 2));
  return {
    dir,
    configPath: s.configPath,
    config: loadPartiesConfig(s.configPath),
    client: readKeyFile(join(dir, 'client.key')),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Cluster extends Setup {
  servers: PartyServer[];
  sinks: LogSink[];
  start(id: PartyId): Promise<PartyServer>;
  connect(identity?: Identity): Promise<TriformClient>;
  stop(): Promise<void>;
}

/** Three PartyServers in this process on free loopback ports. */
export async function startCluster(opts: SetupOptions & { programs?: () => ProgramRegistry } = {}): Promise<Cluster> {
  const setup = await makeSetup(opts);
  const sinks = [new LogSink(), new LogSink(), new LogSink()];
  const servers: PartyServer[] = [];
  const clients: TriformClient[] = [];
  const start = async (id: PartyId) => {
    const srv = new PartyServer({
      config: setup.config,
      id,
      identity: readKeyFile(join(setup.dir, `p${id}.key`)),
      log: sinks[id].logger(),
      programs: opts.programs ? opts.programs() : builtinPrograms(),
    });
    await srv.start();
    servers[id] = srv;
    return srv;
  };
  await Promise.all(([0, 1, 2] as PartyId[]).map(start));
  return {
    ...setup,
    servers,
    sinks,
    start,
    async connect(identity = setup.client) {
      const c = await TriformClient.connect({ config: setup.config, identity });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      await Promise.all(servers.map((s) => s.stop()));
      setup.cleanup();
    },
  };
}

/** Three real party processes (scripts/party.ts) on a fresh setup, each waited for until it listens. */
export async function startPartyProcesses(opts: SetupOptions = {}, waitMs = WAIT_MS): Promise<{ setup: Setup; procs: PartyProcess[] }> {
  const setup = await makeSetup(opts);
  const procs = [0, 1, 2].map((i) => new PartyProcess(setup.configPath, i, { logLevel: 'info' }));
  await Promise.all(procs.map((p) => p.waitFor(/listening/, waitMs)));
  return { setup, procs };
}

/** Teardown for startPartyProcesses: close the client, stop the processes, wait for them, remove the folder (keys, config, shares). */
export async function stopPartyProcesses(client: TriformClient | undefined, procs: readonly PartyProcess[], setup: Setup | undefined): Promise<void> {
  client?.close();
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.exited));
  setup?.cleanup();
}
