/**
 * npm run share-model -- --model PATH [--config DIR/parties.json] [--model-id ID]
 * npm run share-model -- --config DIR/parties.json --model-id ID
 *                        (--safetensors FILE | --llama2c FILE | --random NAME=DxD[,NAME=D...] [--seed S])
 *                        [--frac-bits 18] [--overwrite] [--key FILE] [--chunk N] [--log-level warn]
 *
 * The model owner's upload: fixed-point encodes named float tensors, secret-shares them to the
 * three parties and has each party store its two share arrays under <dataDir>/models/ID (with a
 * manifest), so later sessions load them without re-sharing. This is the generic part; the
 * checkpoint loaders (--model: a llama2.c .bin or a Hugging Face GPT-2 directory) feed
 * `uploadModel` the same Map of tensors and record the architecture in the public meta, which
 * the parties' 'generate' program needs. --config defaults to $TRIFORM_CONFIG or
 * .triform/parties.json; --model-id to the checkpoint's file or folder name.
 * Weights beyond the fixed-point weight limit (|w| > 1024, src/model/weight-range.ts) or NaN/Inf are
 * rejected before anything is sent: {"ok":false,"error":{"code":"MODEL_ERR_RANGE",…}} naming the
 * tensor and element, exit 1.
 * Progress goes to stderr; one JSON summary line to stdout.
 */
import { basename, resolve } from 'node:path';
import { loadCheckpointWeights } from '../src/model/checkpoint.js';
import { defaultConfigPath } from '../src/parties/config.js';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { MpcError } from '../src/protocols/errors.js';
import { loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { createLogger } from '../src/parties/log.js';
import { uploadModel, type FloatTensor } from '../src/parties/upload.js';
import { readSafetensors } from '../src/model/safetensors.js';
import { loadLlama2c } from '../src/model/llama2c.js';
import { checkWeightsRange } from '../src/model/weight-range.js';
import { Prg } from '../src/ring/prg.js';
import { createHash } from 'node:crypto';

const { values } = parseArgs({
  options: {
    config: { type: 'string' },
    'model-id': { type: 'string' },
    model: { type: 'string' },
    safetensors: { type: 'string' },
    llama2c: { type: 'string' },
    random: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'frac-bits': { type: 'string' },
    overwrite: { type: 'boolean', default: false },
    key: { type: 'string' },
    chunk: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

const sources = [values.model, values.safetensors, values.llama2c, values.random].filter((v) => v !== undefined).length;
values.config ??= defaultConfigPath();
if (values.model && !values['model-id']) values['model-id'] = basename(values.model).replace(/\.bin$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
if (values.help || !values['model-id'] || sources !== 1) {
  console.error('usage: npm run share-model -- --model PATH [--config DIR/parties.json] [--model-id ID] [--frac-bits F] [--overwrite] [--key FILE]');
  console.error('       npm run share-model -- --config DIR/parties.json --model-id ID (--safetensors FILE | --llama2c FILE | --random name=4x8,b=8 [--seed S])');
  process.exit(values.help ? 0 : 2);
}

/** `--random w=4x8,b=8`: seeded uniform [-1, 1) tensors (tests and demos). */
function randomTensors(spec: string, seed: string): Map<string, FloatTensor> {
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

async function main(): Promise<Record<string, unknown>> {
  let meta: Record<string, unknown> | undefined;
  let tensors: Map<string, FloatTensor>;
  if (values.model) {
    const ck = loadCheckpointWeights(values.model);
    tensors = new Map([...ck.weights.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    meta = { arch: ck.arch, config: { ...(ck.weights.config as object) }, summary: ck.summary };
    console.error(`sharing ${ck.summary} as '${values['model-id']}'`);
  } else if (values.safetensors) {
    const f = readSafetensors(values.safetensors);
    tensors = new Map([...f.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    meta = { source: 'safetensors', metadata: f.metadata };
  } else if (values.llama2c) {
    const w = loadLlama2c(values.llama2c);
    tensors = new Map([...w.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    meta = { source: 'llama2c', config: { ...w.config } };
  } else tensors = randomTensors(values.random as string, values.seed);
  const source = values.model ?? values.safetensors ?? values.llama2c ?? '--random';
  // reject weights fixed point cannot carry (NaN/Inf, |w| > WEIGHT_LIMIT) before connecting: MODEL_ERR_RANGE names tensor and element
  checkWeightsRange(source, tensors);
  const config = loadPartiesConfig(values.config as string);
  const identity = readKeyFile(values.key ?? resolve(config.dir, 'client.key'));
  const total = [...tensors.values()].reduce((t, x) => t + x.data.length, 0);
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'sharing {bar} {percentage}% | {value}/{total} elements | {tensor}', stream: process.stderr }, Presets.shades_classic) : null;
  bar?.start(total, 0, { tensor: '' });
  const t0 = performance.now();
  try {
    const r = await uploadModel(config, values['model-id'] as string, tensors, (p) => bar?.update(p.elementsDone, { tensor: p.tensor }), {
      identity,
      overwrite: values.overwrite,
      ...(meta ? { meta } : {}),
      source,
      log: createLogger({ level: values['log-level'], destination: process.stderr }),
      ...(values['frac-bits'] ? { fracBits: Number(values['frac-bits']) } : {}),
      ...(values.chunk ? { chunkElements: Number(values.chunk) } : {}),
    });
    bar?.stop();
    return { ok: true, modelId: values['model-id'], tensors: tensors.size, elements: total, ms: Math.round(performance.now() - t0), stored: r.results, error: null };
  } finally {
    bar?.stop();
  }
}

main().then(
  (out) => {
    console.log(JSON.stringify(out));
    process.exit(0);
  },
  (e: unknown) => {
    const code = (e as { code?: unknown }).code;
    const error = e instanceof MpcError ? e.toJSON() : { code: typeof code === 'string' && code.startsWith('MODEL_ERR_') ? code : 'MPC_ERR_INPUT', message: (e as Error).message };
    console.log(JSON.stringify({ ok: false, error }));
    process.exit(1);
  },
);
