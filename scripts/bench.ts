/**
 * npm run bench -- --model gpt2-base --prompt-tokens 32 --new-tokens 1 [--in-process] [--json]
 *                  [--profile] [--shares trivial|full] [--output logits|token] [--approx default|puma]
 *                  [--seed N] [--frac-bits 18] [--layers first|all] [--out FILE.json] [--config parties.json]
 *
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
 * Progress goes to stderr; with --json the LAST stdout line is the result as one JSON object.
 */
import { writeFileSync } from 'node:fs';
import { describeApproxConfig } from '../src/approx/index.js';
import { describeRingConfig } from '../src/ring/config.js';
import { MODEL_SHAPE_NAMES } from '../src/model/model-shapes.js';
import { formatResult } from './bench/format.js';
import { runInProcess } from './bench/in-process.js';
import { runNetwork } from './bench/network.js';
import { buildResult, machine } from './bench/result.js';
import { checkSpec, DEFAULT_SPEC, LAN, specApprox, specRing, specShape, WAN, type BenchSpec } from './bench/spec.js';
import { command, FRAC_BITS, int, Option, oneOf, parse, runMain } from './cli.js';

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
  seed: number;
  fracBits: number;
  layers: 'first' | 'all';
  out?: string;
  quiet?: boolean;
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
    .option('--seed <n>', 'seed of the synthetic weights', int({ min: 0, max: 2 ** 31 }), DEFAULT_SPEC.seed)
    .option('--frac-bits <f>', `fixed-point fractional bits (${FRAC_BITS.why})`, int(FRAC_BITS), DEFAULT_SPEC.fracBits)
    .option('--layers <which>', 'per-layer table for the first layer or all', oneOf(['first', 'all'] as const), 'first')
    .option('--out <file>', 'also write the result JSON here')
    .option('--quiet', 'no progress on stderr'),
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
  });
  const m = machine();
  const header = [
    `Triform bench: ${specShape(spec).description}`,
    describeRingConfig(specRing(spec)),
    `approximations (${spec.approx}): ${describeApproxConfig(specApprox(spec))}`,
    `machine: ${m.cores} × ${m.cpu}, ${m.memGb} GB RAM (${m.freeMemGb} GB free), node ${m.node}, ${m.os}, ${m.date}, load avg ${m.loadavg1m}`,
    `network models: ${LAN.name}; ${WAN.name}`,
  ];
  for (const h of header) progress(h);
  const raw = values.inProcess ? await runInProcess(spec, progress) : await runNetwork(spec, progress, values.config);
  const result = buildResult(spec, raw, m);
  if (!values.json || !values.quiet) {
    console.log(header.join('\n'));
    console.log('');
    console.log(formatResult(result, { profile: values.profile, layersOf: values.layers === 'all' ? 'all' : 'first' }));
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  if (values.json) console.log(JSON.stringify(result));
}

runMain('bench', main);
