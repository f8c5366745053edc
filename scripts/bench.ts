/**
 * npm run bench -- --model gpt2-base --prompt-tokens 32 --new-tokens 1 [--in-process] [--json]
 *                  [--profile] [--shares trivial|full] [--output logits|token] [--approx default|puma] [--trunc-rounds 1|2] [--no-tuple-pool]
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
import { describeApproxConfig } from '../src/approx/index.js';
import { describeRingConfig } from '../src/ring/config.js';
import { MODEL_SHAPE_NAMES } from '../src/model/arch/model-shapes.js';
import { formatResult } from './bench/format.js';
import { runInProcess } from './bench/in-process.js';
import { runNetwork } from './bench/network.js';
import { buildResult, machine, netLabel } from './bench/result.js';
import { parseNet } from '../src/parties/net-shaper.js';
import { parseThreads, setRingThreads, closeRingThreads } from '../src/ring/threads.js';
import { checkSpec, DEFAULT_SPEC, LAN, specApprox, specRing, specShape, WAN, type BenchSpec } from './bench/spec.js';
import { command, FRAC_BITS, int, netOption, Option, oneOf, parse, runMain, threadsOption } from './cli.js';

interface Opts {
  model: BenchSpec['model'];
  promptTokens?: number;
  tokens?: number;
  newTokens: number;
  inProcess?: boolean;
  config?: string;
  json?: boolean;
  profile?: boolean;
  shares?: BenchSpec['shares'];
  output: BenchSpec['output'];
  approx: BenchSpec['approx'];
  truncRounds?: number;
  truncRound1UpTo?: number;
  tuplePool?: boolean;
  seed: number;
  fracBits: number;
  layers: 'first' | 'all';
  out?: string;
  quiet?: boolean;
  detail?: boolean;
  checkRanges?: boolean;
  net?: string;
  threads?: string;
}

const values = parse<Opts>(
  command('bench', 'Cost per token at real model shapes with seeded synthetic weights: bytes, rounds, time per phase, layer and op class.')
    .option('--model <shape>', 'model shape', oneOf(MODEL_SHAPE_NAMES), 'gpt2-base')
    .option('--prompt-tokens <n>', 'prompt length (BERT: sequence length); default 32', int({ min: 1, max: 4096 }))
    .addOption(new Option('--tokens <n>', 'alias of --prompt-tokens').argParser(int({ min: 1, max: 4096 })).hideHelp())
    .option('--new-tokens <n>', 'tokens to generate (1 = prefill only)', int({ min: 0, max: 1024 }), 1)
    .option('--in-process', 'the three parties in this process (in-memory channel)')
    .option('--config <file>', "parties already running that serve 'bench/model' (scripts/bench/party-main.ts)")
    .option('--json', 'the LAST stdout line is the result as one JSON object')
    .option('--profile', 'also the most expensive ops')
    .option('--shares <mode>', "how parties hold the weights: trivial (lean) or full (deployment-like); default full, trivial with --in-process", oneOf(['trivial', 'full'] as const))
    .option('--output <mode>', 'logits, or token (secure argmax)', oneOf(['logits', 'token'] as const), DEFAULT_SPEC.output)
    .option('--approx <preset>', "approximations: ours (default) or PUMA's (puma)", oneOf(['default', 'puma'] as const), DEFAULT_SPEC.approx)
    .option('--trunc-rounds <n>', "truncation protocol of the softmax and norm chains: 1 (jointly made tuples) or 2 (dealer); default: the preset's", int({ min: 1, max: 2 }))
    .option('--trunc-round1-up-to <n>', 'a fused norm → matmul\'s products of at most n elements truncate in 1 round (0: all on the dealer); default: the preset\'s (ours 8192, PUMA 0)', int({ min: 0, max: 2 ** 30 }))
    .option('--tuple-pool', "make each decode step's 1-round truncation tuples at its start, from the claims of the step before, and the first step's later layers' from its earlier layers' (src/protocols/tuple-pool.ts; the default)")
    .option('--no-tuple-pool', 'make every 1-round truncation tuple on demand')
    .option('--seed <n>', 'seed of the synthetic weights', int({ min: 0, max: 2 ** 31 }), DEFAULT_SPEC.seed)
    .option('--frac-bits <f>', `fixed-point fractional bits (${FRAC_BITS.why})`, int(FRAC_BITS), DEFAULT_SPEC.fracBits)
    .option('--layers <which>', 'per-layer table for the first layer or all', oneOf(['first', 'all'] as const), 'first')
    .option('--out <file>', 'also write the result JSON here')
    .option('--quiet', 'no progress on stderr')
    .option('--detail', 'per layer and per op class tables after the headline')
    .option('--check-ranges', 'checked mode: one secure range check per layer (its cost is measured too)')
    .addOption(netOption())
    .addOption(threadsOption()),
);

const t0 = performance.now();
const progress = (msg: string): void => {
  if (!values.quiet) process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${msg}\n`);
};

async function main(): Promise<void> {
  const spec = checkSpec({
    model: values.model,
    promptTokens: values.promptTokens ?? values.tokens ?? 32,
    newTokens: values.newTokens,
    output: values.output,
    // deployment-like memory per party process by default; in-process, the lean trivial sharing
    shares: values.shares ?? (values.inProcess ? 'trivial' : 'full'),
    seed: values.seed,
    approx: values.approx,
    fracBits: values.fracBits,
    checkRanges: values.checkRanges === true,
    ...(values.truncRounds ? { truncRounds: values.truncRounds as 1 | 2 } : {}),
    ...(values.truncRound1UpTo !== undefined ? { truncRound1UpTo: values.truncRound1UpTo } : {}),
    ...(values.tuplePool !== false ? { tuplePool: true } : {}),
  });
  const net = parseNet(values.net);
  if (net && values.inProcess) throw new RangeError('--net shapes the links between party processes; it does not apply to --in-process');
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
  if (values.inProcess) setRingThreads(threads);
  const raw = values.inProcess ? await runInProcess(spec, progress) : await runNetwork(spec, progress, values.config, net, threads);
  await closeRingThreads();
  const result = buildResult(spec, raw, m, net);
  if (!values.json || !values.quiet) {
    const text = formatResult(result, { detail: values.detail || values.profile, profile: values.profile, layersOf: values.layers === 'all' ? 'all' : 'first' }).split('\n');
    console.log([text[0], '', ...header, ...text.slice(1)].join('\n'));
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  if (values.json) console.log(JSON.stringify(result));
}

runMain('bench', main);
