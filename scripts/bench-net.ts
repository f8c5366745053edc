/**
 * npm run bench:net -- [--config DIR/parties.json] [--bytes 67108864] [--rounds 500] [--key FILE]
 *
 * Encrypted-link throughput (one `bytes` frame each way between P0 and P1 at once) and the time
 * of one small round (each party sends 8 bytes to the next and waits for the previous one's),
 * measured inside the parties. Without --config it starts three party processes on free
 * loopback ports with fresh keys. Prints JSON lines.
 */
import { cpus, loadavg } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchNetResult } from '../src/programs/bench-net.js';
import { TriformClient } from '../src/parties/client.js';
import { loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { findFreePorts, PartyProcess, writeLocalSetup } from '../src/parties/local-cluster.js';
import { command, int, parse, runMain } from './cli.js';

const values = parse<{ config?: string; bytes: number; rounds: number; key?: string }>(
  command('bench:net', 'Encrypted-link throughput and small-round latency between the parties; JSON lines.')
    .option('--config <file>', 'running parties (default: start three here with fresh keys)')
    .option('--bytes <n>', 'bytes of the bulk frame each way', int({ min: 1 }), 64 * 1024 * 1024)
    .option('--rounds <n>', 'small rounds to time', int({ min: 1 }), 500)
    .option('--key <file>', 'client identity key (default: client.key beside the config)'),
);
const { bytes, rounds } = values;
const machine = { cpu: cpus()[0]?.model ?? '?', cores: cpus().length, node: process.version, loadavg1m: +loadavg()[0].toFixed(2) };
const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'net', ...o }));

async function main(): Promise<void> {
  let configPath = values.config ? resolve(values.config) : '';
  let tmp: string | null = null;
  const procs: PartyProcess[] = [];
  if (!configPath) {
    tmp = mkdtempSync(join(tmpdir(), 'triform-bench-'));
    const ports = (await findFreePorts(3)) as [number, number, number];
    configPath = writeLocalSetup({ out: tmp, ports }).configPath;
    for (const id of [0, 1, 2]) procs.push(new PartyProcess(configPath, id, { logLevel: 'warn', nodeArgs: [...(process.execArgv.length ? process.execArgv : ['--import', 'tsx']), ...(process.env.TF_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.TF_PROF] : [])] }));
  }
  const config = loadPartiesConfig(configPath);
  const client = await TriformClient.connect({ config, identity: readKeyFile(values.key ?? join(config.dir, 'client.key')), connectTimeoutMs: 30_000 });
  try {
    await client.run('bench/net', { bytes, rounds: 20 }); // warm-up (JIT, first-touch memory)
    const runs: BenchNetResult[][] = [];
    for (let i = 0; i < 3; i++) runs.push((await client.run('bench/net', { bytes, rounds })).results as BenchNetResult[]);
    const bulk = runs.map((res) => Math.max(res[0].bulkMs, res[1].bulkMs));
    const best = Math.min(...bulk);
    const mb = bytes / 1e6;
    emit({ metric: 'throughput', what: 'P0→P1 and P1→P0 at once, one frame each way, AES-256-GCM sealed; best of 3', bytes, ms: +best.toFixed(1), msAll: bulk.map((x) => +x.toFixed(1)), MBpsPerDirection: +(mb / (best / 1000)).toFixed(1), MBpsBothDirections: +((2 * mb) / (best / 1000)).toFixed(1), machine });
    const per = runs.map((res) => Math.max(...res.map((x) => x.roundsMs / Math.max(1, x.rounds))));
    emit({ metric: 'round-latency', what: 'one small round (8 bytes to the next party, wait for the previous); best of 3', rounds, msPerRound: +Math.min(...per).toFixed(4), machine });
    const t0 = performance.now();
    const n = 20;
    for (let i = 0; i < n; i++) await client.run('ping', {});
    emit({ metric: 'session-overhead', what: 'open → start → join → done of an empty session, from the client', msPerSession: +((performance.now() - t0) / n).toFixed(2), machine });
  } finally {
    client.close();
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

runMain('bench:net', main);
