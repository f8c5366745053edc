/**
 * npm run bench:protocols -- [--parties] [--net lan|wan|rtt=MS,mbps=N] [--only op1,op2] [--elements N]
 *
 * Wall time, bytes per party and rounds of the core protocol ops (scripts/bench/protocol-ops.ts):
 * mulAA, truncA, msb, mulA1B, fMatmul, and the fixed-point fMul (multiply + truncate), exp,
 * reciprocal and rsqrt, at 1M elements (--elements; fMatmul: 128×768 · 768×768).
 *
 * Default: three parties in this process over the in-memory channel (times include all three
 * parties' local work on this machine's cores). --parties: three party processes on loopback
 * over authenticated, AES-GCM-encrypted WebSocket links (time = slowest party), optionally on
 * shaped links (--net). Prints one JSON object per line.
 *
 * Memory: reciprocal and rsqrt normalise by the highest set bit over 64 bit planes, ~3.6 kB of
 * traffic per element per party and ~35 kB of memory per element in-process: at 1M elements they
 * need ~40 GB; on a 24 GB machine time them with `--only reciprocal,rsqrt --elements 65536`
 * (bytes scale linearly, rounds do not change).
 */
import os from 'node:os';
import { join } from 'node:path';
import { TriformClient } from '../src/parties/client.js';
import { loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { netTag, parseNet } from '../src/parties/net-shaper.js';
import { makeLocalParties, runOn } from '../src/protocols/local.js';
import { startBenchParties } from './bench/network.js';
import { BENCH_OPS_PROGRAM, N, OP_NAMES, opTable, timeOp, type OpName } from './bench/protocol-ops.js';
import { command, int, list, netOption, parse } from './cli.js';

const values = parse<{ parties?: boolean; net?: string; only?: string[]; elements: number }>(
  command('bench:protocols', 'Wall time, bytes per party and rounds of the core protocol ops at 1M elements; JSON lines.')
    .option('--parties', 'three party processes on loopback over encrypted WebSocket links (default: in this process)')
    .addOption(netOption())
    .option('--only <ops>', `comma-separated subset of ${OP_NAMES.join(',')}`, list)
    .option('--elements <n>', 'elements per op (fMatmul: 128×768·768×768 regardless)', int({ min: 1, max: 1 << 24 }), N),
);
const elements = values.elements;
const table = opTable(elements);

const emit = (op: OpName, ms: number, bytesTotal: number, rounds: number, transport: string) =>
  console.log(JSON.stringify({ op, elements: table[op].elements, ms: Math.round(ms * 10) / 10, bytesPerParty: Math.round(bytesTotal / 3), rounds: Math.round(rounds), transport }));

async function inMemory(ops: OpName[]): Promise<void> {
  for (const op of ops) {
    const { parties, hub } = makeLocalParties({ seed: op });
    const run = await runOn(parties, hub, (p) => timeOp(p, op, elements));
    emit(op, Math.max(...run.results), run.cost.ops[op].bytesTotal, run.cost.ops[op].rounds, 'in-memory');
  }
}

async function overParties(ops: OpName[], net: ReturnType<typeof parseNet>): Promise<void> {
  const cluster = await startBenchParties((m) => console.error(`# ${m}`), net);
  try {
    const config = loadPartiesConfig(cluster.configPath);
    const client = await TriformClient.connect({ config, identity: readKeyFile(join(config.dir, 'client.key')), connectTimeoutMs: 60_000, net });
    try {
      for (const op of ops) {
        const r = await client.run(BENCH_OPS_PROGRAM, { op, elements });
        const ms = Math.max(...(r.results as { ms: number }[]).map((x) => x.ms));
        emit(op, ms, r.cost.ops[op].bytesTotal, r.cost.ops[op].rounds, `parties, links ${netTag(net)}`);
      }
    } finally {
      client.close();
    }
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const net = parseNet(values.net);
  if (net && !values.parties) throw new RangeError('--net shapes the links between party processes: add --parties');
  const ops = values.only ? (values.only as OpName[]) : [...OP_NAMES];
  for (const op of ops) if (!(OP_NAMES as readonly string[]).includes(op)) throw new RangeError(`unknown op '${op}' (known: ${OP_NAMES.join(', ')})`);
  const where = values.parties ? `three party processes, encrypted WebSocket links ${net ? netTag(net) : 'unshaped'}` : 'in-memory channel';
  console.error(`# bench:protocols on ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, node ${process.version}, ${where}`);
  if (values.parties) await overParties(ops, net);
  else await inMemory(ops);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
