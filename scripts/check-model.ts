/**
 * npm run check-model -- --model PATH [--prompt TEXT] [--max-tokens N] [--tokenizer PATH]
 * npm run check-model -- --synthetic gpt2-base [--prompt-tokens 32] [--max-tokens N] [--seed 1]
 *                        [--frac-bits 18] [--approx default|puma] [--json]
 *
 * Runs a model on the plaintext fixed-point backend (src/model/arch/fixed-ops.ts: SecureOps' arithmetic
 * and approximations without secret sharing) on a real prompt, greedy, and prints per op class
 * the largest magnitude seen against its fixed-point bound (src/approx/bounds.ts, README "Range
 * limits") with the headroom. --synthetic runs the bench's seeded synthetic weights at a named
 * GPT-2 shape (scripts/bench/spec.ts; same values as `npm run bench --seed S`) on the bench's
 * synthetic prompt. Exit 0: every bound holds; 1: a bound is exceeded (the secure run would be
 * silently wrong, or abort in checked mode); 2: bad arguments.
 */
import { command, exitWhenFlushed, parse } from './cli.js';
import { approxConfig, DEFAULT_APPROX_CONFIG, describeApproxConfig, PUMA_APPROX_CONFIG } from '../src/approx/index.js';
import { loadModel } from '../src/model/formats/checkpoint.js';
import { FixedOps, quantizeWeights } from '../src/model/arch/fixed-ops.js';
import { generate } from '../src/model/generate.js';
import { Gpt2 } from '../src/model/arch/gpt2.js';
import type { Gpt2Config } from '../src/model/formats/gpt2-checkpoint.js';
import { MODEL_SHAPE_NAMES, modelShape, syntheticWeights } from '../src/model/arch/model-shapes.js';
import { RangeMonitor } from '../src/model/arch/range-monitor.js';
import type { CausalLM } from '../src/model/arch/causal-lm.js';
import type { PlainTensor } from '../src/model/arch/plain-ops.js';
import { describeRingConfig, ringConfig } from '../src/ring/config.js';
import { syntheticPrompt } from './bench/spec.js';

const USAGE = `usage: npm run check-model -- --model PATH [--prompt TEXT] [--max-tokens N] [--tokenizer PATH]
       npm run check-model -- --synthetic ${MODEL_SHAPE_NAMES.filter((n) => n.startsWith('gpt2')).join('|')} [--prompt-tokens N] [--max-tokens N] [--seed S]
       common: [--frac-bits 18] [--approx default|puma] [--json]`;

const o = parse<{ model?: string; synthetic?: string; prompt: string; promptTokens: string; maxTokens: string; tokenizer?: string; seed: string; fracBits: string; approx: string; json?: boolean }>(
  command('check-model', 'Run a model on the plaintext fixed-point backend and report, per op class, the largest magnitude against its bound (exit 1 if one is exceeded).')
    .option('--model <path>', 'checkpoint (llama2.c .bin or GPT-2 folder)')
    .option('--synthetic <name>', `seeded synthetic weights at a GPT-2 shape (${MODEL_SHAPE_NAMES.filter((n) => n.startsWith('gpt2')).join(', ')})`)
    .option('--prompt <text>', 'prompt (with --model)', 'Once upon a time')
    .option('--prompt-tokens <n>', 'prompt length (with --synthetic)', '32')
    .option('--max-tokens <n>', 'tokens to generate', '8')
    .option('--tokenizer <path>', 'tokenizer file (default: beside the model)')
    .option('--seed <n>', 'seed of the synthetic weights', '1')
    .option('--frac-bits <f>', 'fixed-point fractional bits', '18')
    .option('--approx <preset>', 'default or puma', 'default')
    .option('--json', 'one JSON object on stdout'),
);
const a = { model: o.model, synthetic: o.synthetic, prompt: o.prompt, 'prompt-tokens': o.promptTokens, 'max-tokens': o.maxTokens, tokenizer: o.tokenizer, seed: o.seed, 'frac-bits': o.fracBits, approx: o.approx, json: o.json === true, help: false };

function usage(msg?: string): never {
  if (msg) process.stderr.write(`check-model: ${msg}\n`);
  process.stderr.write(USAGE + '\n');
  process.exit(msg ? 2 : 0);
}

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

async function main(): Promise<number> {
  if (a.help) usage();
  if ((a.model === undefined) === (a.synthetic === undefined)) usage('pass exactly one of --model PATH and --synthetic NAME');
  if (a.approx !== 'default' && a.approx !== 'puma') usage(`--approx must be default or puma, got '${a.approx}'`);
  const ring = ringConfig({ fracBits: int('frac-bits', a['frac-bits'], 1) });
  const approx = approxConfig({}, a.approx === 'puma' ? PUMA_APPROX_CONFIG : DEFAULT_APPROX_CONFIG);
  const maxTokens = int('max-tokens', a['max-tokens'], 1);
  const monitor = new RangeMonitor(ring.fracBits, approx);
  const ops = new FixedOps(monitor, ring.fracBits, approx);
  const log = (s: string) => process.stderr.write(s + '\n');
  let model: CausalLM<PlainTensor>;
  let prompt: number[];
  let summary: string;
  let decode: ((ids: readonly number[]) => string) | null = null;
  if (a.synthetic !== undefined) {
    const shape = modelShape(a.synthetic);
    if (shape.arch !== 'gpt2') usage(`--synthetic ${a.synthetic}: only GPT-2 shapes generate text (got ${shape.arch})`);
    const seed = int('seed', a.seed, 0);
    log(`building seeded synthetic weights (bench seed ${seed}) for ${shape.description} …`);
    const w = quantizeWeights(syntheticWeights(shape, seed), ring.fracBits, monitor);
    model = new Gpt2(ops, w as { config: Gpt2Config; tensors: Map<string, PlainTensor> });
    prompt = syntheticPrompt(int('prompt-tokens', a['prompt-tokens'], 1), shape.config.vocabSize);
    summary = `${shape.description}, synthetic weights (seed ${seed}), synthetic prompt of ${prompt.length} tokens`;
  } else {
    const m = loadModel(a.model as string, a.tokenizer);
    quantizeWeights(m.weights, ring.fracBits, monitor);
    model = m.create(ops, m.weights);
    prompt = m.tokenizer.encode(a.prompt);
    if (prompt.length === 0) prompt = m.arch === 'gpt2' ? [50256] : [1];
    summary = `${m.summary}, prompt ${JSON.stringify(a.prompt)} (${prompt.length} tokens)`;
    decode = (ids) => m.tokenizer.decode(ids);
  }
  log(`model: ${summary}`);
  log(`${describeRingConfig(ring)}; approximations (${a.approx}): ${describeApproxConfig(approx)}`);
  const t0 = performance.now();
  const r = await generate(model, prompt, { maxNewTokens: Math.min(maxTokens, model.contextLength - prompt.length + 1), temperature: 0 });
  const ms = performance.now() - t0;
  const exceeded = monitor.exceeded();
  if (a.json) {
    console.log(JSON.stringify({ model: summary, fracBits: ring.fracBits, tokens: r.tokens, text: decode?.(r.tokens) ?? null, ms: Math.round(ms), rows: monitor.toJSON(), ok: exceeded.length === 0 }));
  } else {
    console.log(`greedy continuation (${r.tokens.length} tokens, ${(ms / 1000).toFixed(1)} s on the fixed-point backend): ${decode ? JSON.stringify(decode(r.tokens)) : r.tokens.join(' ')}`);
    console.log('');
    console.log(monitor.table());
    console.log('');
    console.log(exceeded.length ? `EXCEEDED: ${exceeded.map((e) => `${e.name} (${e.max.toExponential(3)} ≥ ${e.bound.toExponential(3)} at ${e.where})`).join('; ')}` : 'all bounds hold');
  }
  return exceeded.length ? 1 : 0;
}

main().then(
  (code) => exitWhenFlushed(code),
  (e: unknown) => {
    const err = e as { code?: string; message?: string };
    process.stderr.write(`check-model: ${err.code ? err.code + ': ' : ''}${err.message ?? String(e)}\n`);
    process.exit(2);
  },
);
