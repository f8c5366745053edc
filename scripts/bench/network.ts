/**
 * The networked bench: three party processes (scripts/bench/party-main.ts) on free loopback ports
 * with fresh keys, the client here; or parties already running from `--config`. The parties run
 * 'bench/model' on the real transport (authenticated, encrypted WebSocket links) and each returns
 * its Meter snapshot, so bytes and rounds are measured exactly as in-process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TriformClient } from '../../src/parties/client.js';
import { loadPartiesConfig } from '../../src/parties/config.js';
import { readKeyFile } from '../../src/parties/keys.js';
import { findFreePorts, onLines, REPO_ROOT, writeLocalSetup } from '../../src/parties/local-cluster.js';
import { createLogger } from '../../src/parties/log.js';
import type { Progress } from './party-run.js';
import { BENCH_PROGRAM, benchModelClient, type PartyBenchResult } from './program.js';
import type { RawRun } from './raw.js';
import type { BenchSpec } from './spec.js';
import { netTag, type NetShape } from '../../src/parties/net-shaper.js';

const PARTY_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'party-main.ts');

type Triple = [number, number, number];

class BenchParty {
  readonly child: ChildProcess;
  readonly tail: string[] = [];
  readonly exited: Promise<number | null>;
  private listening: Promise<void>;

  constructor(configPath: string, readonly id: number, progress?: Progress, net: NetShape | null = null, threads?: number) {
    const nodeArgs = process.execArgv.length ? process.execArgv : ['--import', 'tsx'];
    const extra = threads === undefined ? [] : ['--threads', String(threads)];
    this.child = spawn(process.execPath, [...nodeArgs, PARTY_MAIN, '--id', String(id), '--config', configPath, '--log-level', 'warn', '--net', netTag(net), ...extra], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((res) => this.child.once('exit', (code, sig) => res(code ?? (sig ? -1 : null))));
    let onListen: () => void = () => undefined;
    this.listening = new Promise<void>((res) => (onListen = res));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      onLines(stream, (line) => {
        if (line.startsWith('[bench] ')) progress?.(line.slice(8));
        else {
          if (line.startsWith('[party]') && line.includes('listening')) onListen();
          this.tail.push(line);
          if (this.tail.length > 20) this.tail.shift();
        }
      });
    }
  }

  async ready(ms = 60_000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`P${this.id} did not start within ${ms} ms:\n${this.tail.join('\n')}`)), ms)));
    const died = this.exited.then((c) => Promise.reject(new Error(`P${this.id} exited (code ${c}):\n${this.tail.join('\n')}`)));
    try {
      await Promise.race([this.listening, timeout, died]);
    } finally {
      clearTimeout(t);
    }
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}

export interface BenchCluster {
  configPath: string;
  stop(): Promise<void>;
}

/** Three bench party processes (party-main.ts) on free loopback ports with fresh keys. */
/** `threads`: ring threads per party process (undefined: their default, cores ÷ 3 on one host). */
export async function startBenchParties(progress?: Progress, net: NetShape | null = null, threads?: number): Promise<BenchCluster> {
  const tmp = mkdtempSync(join(tmpdir(), 'triform-bench-'));
  const parties: BenchParty[] = [];
  const stop = async () => {
    for (const p of parties) p.stop();
    await Promise.all(parties.map((p) => p.exited));
    rmSync(tmp, { recursive: true, force: true });
  };
  try {
    const ports = (await findFreePorts(3)) as Triple;
    // generous limits: a party may compute for seconds between messages (big matmuls, weight
    // building), and on a loaded shared machine (load 20 on 2 cores) a GPT-2 medium embedding
    // matmul kept a party from answering pings for 48 s: liveness is not what the bench measures
    const s = writeLocalSetup({ out: tmp, ports, heartbeatTimeoutMs: 300_000 });
    writeFileSync(s.configPath, JSON.stringify({ ...s.config, limits: { ...s.config.limits, handshakeTimeoutMs: 20_000, clientInputTimeoutMs: 1_800_000 } }, null, 2));
    progress?.(`starting three party processes on 127.0.0.1:${ports.join(',')}`);
    for (const id of [0, 1, 2]) parties.push(new BenchParty(s.configPath, id, progress, net, threads));
    await Promise.all(parties.map((p) => p.ready()));
    return { configPath: s.configPath, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function runNetwork(spec: BenchSpec, progress?: Progress, configPathIn?: string, net: NetShape | null = null, threads?: number): Promise<RawRun> {
  const cluster = configPathIn ? null : await startBenchParties(progress, net, threads);
  const configPath = configPathIn ? resolve(configPathIn) : (cluster as BenchCluster).configPath;
  try {
    const config = loadPartiesConfig(configPath);
    const log = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
    const client = await TriformClient.connect({ config, identity: readKeyFile(join(config.dir, 'client.key')), log, connectTimeoutMs: 60_000, net });
    try {
      const r = await client.run(BENCH_PROGRAM, spec, (links) => benchModelClient(links, spec), { fracBits: spec.fracBits });
      const res = r.results as [PartyBenchResult, PartyBenchResult, PartyBenchResult];
      const tri = (f: (x: PartyBenchResult) => number) => res.map(f) as Triple;
      return {
        mode: 'network',
        cost: r.cost,
        phaseClientMs: r.local.phaseClientMs,
        wallMs: r.local.wallMs,
        setupMs: tri((x) => x.setupMs),
        peakRssRunMb: tri((x) => x.peakRssRunMb),
        peakRssMb: tri((x) => x.peakRssMb),
        rssAfterSetupMb: tri((x) => x.rssAfterSetupMb),
        rssScope: 'party',
        cpuMsByPhase: res.map((x) => x.cpuMsByPhase) as RawRun['cpuMsByPhase'],
        clientBytesIn: r.stats.map((s) => s.io.bytesIn) as Triple,
        clientBytesOut: r.stats.map((s) => s.io.bytesOut) as Triple,
        maxLoopDelayMs: tri((x) => x.maxLoopDelayMs),
        sealedBytesSent: r.stats.map((s) => s.wire.reduce((t, w) => t + w.sealedBytesSent, 0)) as Triple,
        framesSent: r.stats.map((s) => s.wire.reduce((t, w) => t + w.framesSent, 0)) as Triple,
        messagesSent: r.stats.map((s) => s.wire.reduce((t, w) => t + w.messagesSent, 0)) as Triple,
      };
    } finally {
      client.close();
    }
  } finally {
    await cluster?.stop();
  }
}
