/**
 * npm run bench -- --model gpt2-base --prompt-tokens 32 --new-tokens 1 [--in-process] [--json]
 *                  [--profile] [--shares trivial|full] [--output logits|token] [--approx default|puma]
 *                  [--seed N] [--frac-bits 18] [--layers first|all] [--out FILE.json] [--config parties.json]
 *                  [--check-ranges] [--net lan|wan|rtt=MS,mbps=N] [--detail] [--threads N]
 *
 * --threads: ring threads for the large matmuls per party process (in-process: of this process);
 * default this machine's cores ÷ 3, at least 1. Parties already running (--config) keep their own.
 * Cost per token at real model shapes (DESIGN §8) with seeded synthetic weights: per phase
 * (prefill, each KV-cached decode step; BERT: one encoder pass), per layer and per op class —
 * bytes sent per party, total bytes, rounds, wall time, peak RSS per party, and modelled times for
 * PUMA's LAN (5 Gbps, 1 ms RTT) and a WAN (100 Mbps, 40 ms RTT).
 *
 * --shares: how the parties hold the synthetic weights (same bytes and rounds either way, see
 * scripts/bench/weights.ts); default 'full' (deployment-like memory) with party processes,
 * 'trivial' (lean) with --in-process.
 *
 * Default: three party processes on loopback (started here, fresh keys, 'bench/model' program);
 * --in-process: the three parties in this process over the in-memory channel; --config: parties
 * already running that serve 'bench/model' (scripts/bench/party-main.ts).
 * --net shapes the links between the party processes (src/parties/net-shaper.ts): the wall
 * times are then MEASURED on that network instead of modelled.
 * The first stdout line is the headline (bytes, rounds, time); --detail adds the per layer and per
 * op class tables. Progress goes to stderr; with --json the LAST stdout line is the result as one
 * JSON object.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeApproxConfig } from '../src/approx/index.js';
import { describeRingConfig } from '../src/ring/config.js';
import { MODEL_SHAPE_NAMES } from '../src/model/model-shapes.js';
import { parseThreads, setRingThreads, closeRingThreads } from '../src/ring/threads.js';
import { formatResult } from './bench/format.js';
import { runInProcess } from './bench/in-process.js';
import { runNetwork } from './bench/network.js';
import { buildResult, machine, netLabel } from './bench/result.js';
import { NET_USAGE, parseNet } from '../src/parties/net-shaper.js';
import { checkSpec, DEFAULT_SPEC, LAN, specApprox, specRing, specShape, WAN, type BenchSpec } from './bench/spec.js';

const USAGE = `usage: npm run bench -- --model ${MODEL_SHAPE_NAMES.join('|')} --prompt-tokens N [--new-tokens M]
         [--in-process] [--config parties.json] [--json] [--profile] [--shares trivial|full]
         [--output logits|token] [--approx default|puma] [--seed N] [--frac-bits F] [--layers first|all] [--out FILE] [--check-ranges]
         [${NET_USAGE}] [--detail] [--threads N]`;

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'gpt2-base' },
    'prompt-tokens': { type: 'string' },
    tokens: { type: 'string' },
    'new-tokens': { type: 'string', default: '1' },
    'in-process': { type: 'boolean', default: false },
    config: { type: 'string' },
    json: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    detail: { type: 'boolean', default: false },
    net: { type: 'string' },
    shares: { type: 'string' },
    output: { type: 'string', default: DEFAULT_SPEC.output },
    approx: { type: 'string', default: DEFAULT_SPEC.approx },
    seed: { type: 'string', default: String(DEFAULT_SPEC.seed) },
    'frac-bits': { type: 'string', default: String(DEFAULT_SPEC.fracBits) },
    layers: { type: 'string', default: 'first' },
    out: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'check-ranges': { type: 'boolean', default: false },
    threads: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.error(USAGE);
  process.exit(0);
}

const t0 = performance.now();
const progress = (msg: string): void => {
  if (!values.quiet) process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
};

function num(name: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || v === '' || !Number.isInteger(n)) throw new RangeError(`--${name} must be an integer, got '${v}'`);
  return n;
}

async function main(): Promise<void> {
  const shape = (values.model ?? '') as BenchSpec['model'];
  const spec = checkSpec({
    model: shape,
    promptTokens: num('prompt-tokens', values['prompt-tokens'] ?? values.tokens ?? '32'),
    newTokens: num('new-tokens', values['new-tokens']),
    output: values.output as BenchSpec['output'],
    // deployment-like memory per party process by default; in-process, the lean trivial sharing
    shares: (values.shares ?? (values['in-process'] ? 'trivial' : 'full')) as BenchSpec['shares'],
    seed: num('seed', values.seed),
    approx: values.approx as BenchSpec['approx'],
    fracBits: num('frac-bits', values['frac-bits']),
    checkRanges: values['check-ranges'],
  });
  const net = parseNet(values.net);
  if (net && values['in-process']) throw new RangeError('--net shapes the links between party processes; it does not apply to --in-process');
  const threads = parseThreads(values.threads, 3);
  const m = machine();
  const header = [
    `Triform bench: ${specShape(spec).description}`,
    describeRingConfig(specRing(spec)),
    `approximations (${spec.approx}): ${describeApproxConfig(specApprox(spec))}${spec.checkRanges ? '; checked mode (one range check per layer)' : ''}`,
    `machine: ${m.cores} × ${m.cpu}, ${m.memGb} GB RAM (${m.freeMemGb} GB free), node ${m.node}, ${m.os}, ${m.date}, load avg ${m.loadavg1m}`,
    net ? `links between the parties: ${netLabel(net)}, measured` : `network models: ${LAN.name}; ${WAN.name}`,
    `ring threads per party: ${values.config ? "the running parties' own" : threads}`,
  ];
  for (const h of header) progress(h);
  if (values['in-process']) setRingThreads(threads);
  const raw = values['in-process'] ? await runInProcess(spec, progress) : await runNetwork(spec, progress, values.config, net, threads);
  await closeRingThreads();
  const result = buildResult(spec, raw, m, net);
  if (!values.json || !values.quiet) {
    const text = formatResult(result, { detail: values.detail || values.profile, profile: values.profile, layersOf: values.layers === 'all' ? 'all' : 'first' }).split('\n');
    console.log([text[0], '', ...header, ...text.slice(1)].join('\n'));
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  if (values.json) console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`bench: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
