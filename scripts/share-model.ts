/**
 * npm run share-model -- --model PATH [--config DIR/parties.json] [--model-id ID]
 * npm run share-model -- --synthetic llama-tiny|gpt2-tiny|gpt2-base        (nothing to download)
 * npm run share-model -- --model-id ID (--safetensors FILE | --llama2c FILE | --random NAME=DxD[,NAME=D...] [--seed S])
 *                        [--frac-bits 18] [--overwrite] [--key FILE] [--chunk N] [--log-level warn] [--json]
 *
 * The model owner's upload: fixed-point encodes named float tensors, secret-shares them to the
 * three parties and has each party store its two share arrays under <dataDir>/models/ID (with a
 * manifest), so later sessions load them without re-sharing. This is the generic part; the
 * checkpoint loaders (--model: a llama2.c .bin or a Hugging Face GPT-2 directory; --synthetic:
 * seeded weights at a named shape) feed `uploadModel` the same Map of tensors and record the
 * architecture in the public meta, which the parties' 'generate' program needs. --model-id
 * defaults to the checkpoint's file or folder name (or the synthetic name).
 * Weights beyond the fixed-point weight limit (|w| > 1024, src/model/weight-range.ts) or NaN/Inf are
 * rejected before anything is sent: MODEL_ERR_RANGE (or MODEL_ERR_NONFINITE) naming the tensor and
 * element, exit 1.
 * Progress goes to stderr; a summary (or with --json one JSON line) to stdout.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { loadCheckpointWeights } from '../src/model/formats/checkpoint.js';
import { loadLlama2c } from '../src/model/formats/llama2c.js';
import { readSafetensors } from '../src/model/formats/safetensors.js';
import { SYNTHETIC_MODEL_NAMES, syntheticCheckpoint, type SyntheticModelName } from '../src/model/synthetic-models.js';
import { TriformClient } from '../src/parties/client.js';
import { loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { createLogger } from '../src/parties/log.js';
import { uploadModel, type FloatTensor } from '../src/programs/model.js';
import { MpcError } from '../src/protocols/errors.js';
import { checkWeightsRange } from '../src/model/weight-range.js';
import { Prg } from '../src/ring/prg.js';
import { command, configOption, connectTimeoutOption, displayPath, FRAC_BITS, int, logLevelOption, oneOf, parse, patience, runMain, usageExit, type LogLevel } from './cli.js';
import { partyHint } from './hints.js';

interface Opts {
  config: string;
  modelId?: string;
  model?: string;
  synthetic?: SyntheticModelName;
  safetensors?: string;
  llama2c?: string;
  random?: string;
  seed: number;
  fracBits?: number;
  overwrite?: boolean;
  key?: string;
  chunk?: number;
  logLevel: LogLevel;
  connectTimeout: number;
  json?: boolean;
}

const o = parse<Opts>(
  command('share-model', "The model owner's upload: secret-share a checkpoint to the three parties, which store their shares.")
    .option('--model <path>', 'checkpoint: a llama2.c .bin (tokenizer beside it) or a Hugging Face GPT-2 folder')
    .option('--synthetic <name>', `seeded synthetic weights, no download: ${SYNTHETIC_MODEL_NAMES.join(', ')}`, oneOf(SYNTHETIC_MODEL_NAMES))
    .option('--safetensors <file>', 'raw tensors of a .safetensors file (needs --model-id)')
    .option('--llama2c <file>', 'raw tensors of a llama2.c .bin (needs --model-id)')
    .option('--random <spec>', 'seeded uniform tensors NAME=DxD[,NAME=D…] (tests; needs --model-id)')
    .option('--model-id <id>', 'store under this id (default: the file or folder name, or the synthetic name)')
    .addOption(configOption())
    .option('--seed <s>', 'seed of --random and --synthetic', int({ min: 0 }), 1)
    .option('--frac-bits <f>', `fixed-point fractional bits (${FRAC_BITS.why})`, int(FRAC_BITS))
    .option('--overwrite', 'replace a model already stored under the id')
    .option('--key <file>', "owner's identity key (default: client.key beside the config)")
    .option('--chunk <n>', 'elements per upload chunk', int({ min: 1024 }))
    .addOption(connectTimeoutOption())
    .addOption(logLevelOption('warn'))
    .option('--json', 'one JSON line on stdout instead of text'),
);

const sources = [o.model, o.synthetic, o.safetensors, o.llama2c, o.random].filter((v) => v !== undefined).length;
if (sources !== 1) usageExit('share-model', sources === 0 ? 'what to share? pass --model PATH (or --synthetic llama-tiny to try without a download)' : 'pass only one of --model, --synthetic, --safetensors, --llama2c, --random');
const modelId = o.modelId ?? (o.model ? basename(o.model).replace(/\.bin$/, '').replace(/[^A-Za-z0-9._-]/g, '_') : o.synthetic);
if (!modelId) usageExit('share-model', '--model-id is required with --safetensors, --llama2c and --random');
for (const f of [o.model, o.safetensors, o.llama2c]) if (f !== undefined && !existsSync(f)) usageExit('share-model', `${f} does not exist`);

/** `--random w=4x8,b=8`: seeded uniform [-1, 1) tensors (tests and demos). */
function randomTensors(spec: string, seed: number): Map<string, FloatTensor> {
  const prg = new Prg(createHash('sha256').update(`share-model-${seed}`).digest().subarray(0, 16));
  const out = new Map<string, FloatTensor>();
  for (const item of spec.split(',').filter(Boolean)) {
    const m = /^([^=]+)=(\d+(?:x\d+)*)$/.exec(item.trim());
    if (!m) throw new MpcError('MPC_ERR_INPUT', `--random: '${item}' is not NAME=DxD…`);
    const shape = m[2].split('x').map(Number);
    const n = shape.reduce((a, b) => a * b, 1);
    const r = prg.ring(n);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = Number(r[i] >> 11n) / 2 ** 52 - 1;
    out.set(m[1], { shape, data });
  }
  return out;
}

const say = (s: string) => {
  if (!o.json) process.stderr.write(s + '\n');
};

async function main(): Promise<void> {
  const configPath = resolve(o.config);
  let meta: Record<string, unknown> | undefined;
  let tensors: Map<string, FloatTensor>;
  let summary = '';
  if (o.model) {
    const ck = loadCheckpointWeights(o.model);
    tensors = new Map([...ck.weights.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    meta = { arch: ck.arch, config: { ...(ck.weights.config as object) }, summary: ck.summary };
    summary = ck.summary;
  } else if (o.synthetic) {
    const s = syntheticCheckpoint(o.synthetic, o.seed);
    tensors = s.tensors;
    meta = { arch: s.arch, config: s.config, summary: s.summary, tokenizer: s.tokenizer, synthetic: o.synthetic };
    summary = s.summary;
  } else if (o.safetensors) {
    const f = readSafetensors(o.safetensors);
    tensors = new Map([...f.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    meta = { source: 'safetensors', metadata: f.metadata };
  } else if (o.llama2c) {
    const w = loadLlama2c(o.llama2c);
    tensors = new Map([...w.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    meta = { source: 'llama2c', config: { ...w.config } };
  } else tensors = randomTensors(o.random as string, o.seed);
  const source = o.model ?? o.safetensors ?? o.llama2c ?? (o.synthetic ? `--synthetic ${o.synthetic}` : '--random');
  // reject weights fixed point cannot carry (NaN/Inf, |w| > WEIGHT_LIMIT) before connecting: MODEL_ERR_RANGE names tensor and element
  checkWeightsRange(source, [...tensors].filter((e): e is [string, { shape: number[]; data: Float64Array | Float32Array }] => typeof e[1].data !== 'function'));
  const config = loadPartiesConfig(configPath);
  const identity = readKeyFile(o.key ?? resolve(config.dir, 'client.key'));
  const total = [...tensors.values()].reduce((t, x) => t + x.shape.reduce((a, b) => a * b, 1), 0);
  say(`sharing ${summary || `${tensors.size} tensors`} as '${modelId}' with the parties of ${displayPath(configPath)}`);
  const bar = process.stderr.isTTY && !o.json ? new SingleBar({ format: 'sharing {bar} {percentage}% | {value}/{total} elements | {tensor}', stream: process.stderr }, Presets.shades_classic) : null;
  bar?.start(total, 0, { tensor: '' });
  const t0 = performance.now();
  const log = createLogger({ level: o.logLevel, destination: process.stderr });
  const client = await TriformClient.connect({ config, identity, log, ...patience(o.connectTimeout) });
  try {
    const r = await uploadModel(config, modelId as string, tensors, (p) => bar?.update(p.elementsDone, { tensor: p.tensor }), {
      client,
      overwrite: o.overwrite ?? false,
      ...(meta ? { meta } : {}),
      source,
      log,
      ...(o.fracBits !== undefined ? { fracBits: o.fracBits } : {}),
      ...(o.chunk !== undefined ? { chunkElements: o.chunk } : {}),
    });
    bar?.stop();
    const ms = Math.round(performance.now() - t0);
    if (o.json) {
      console.log(JSON.stringify({ ok: true, modelId, tensors: tensors.size, elements: total, ms, stored: r.results, error: null }));
      return;
    }
    console.log(`stored '${modelId}' at P0, P1, P2: ${tensors.size} tensors, ${total.toLocaleString('en-US')} parameters, ${(ms / 1000).toFixed(1)} s; each party holds two of the three shares`);
    const cfg = configPath === resolve('.triform/parties.json') ? '' : ` --config ${displayPath(configPath)}`;
    const how = o.model ? `--model ${displayPath(resolve(o.model))}` : `--model-id ${modelId}`;
    console.log(`\nnext: \`npm run infer -- ${how}${cfg} --prompt "Once upon a time"\``);
  } finally {
    bar?.stop();
    client.close();
  }
}

runMain('share-model', main, { json: o.json ?? false, hint: (e) => partyHint(e, resolve(o.config)) });
