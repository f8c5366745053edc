/**
 * npm run infer -- --prompt TEXT [--max-tokens N] [--temperature T] [--top-p P] [--seed S]
 *                  [--mode logits|token] [--model PATH] [--tokenizer PATH] [--in-process]
 *                  [--config DIR/parties.json] [--model-id ID] [--json] [--check-ranges] [--net lan|wan|rtt=MS,mbps=N] [--threads N]
 *
 * --check-ranges: checked mode, one secure range check per layer; an out-of-range value aborts
 * with MPC_ERR_RANGE (costs extra rounds and bytes; reveals one bit per check, see README).
 *
 * --threads: ring threads for the large matmuls with --in-process (default: this machine's
 * cores ÷ 3); networked, the parties use their own --threads.
 * Secure generation. --in-process runs the three parties and the client in this process over the
 * in-memory channel; otherwise the client talks to the running parties of --config (the model
 * must have been shared with `npm run share-model`). --net names the link shaping the running
 * parties were started with (`npm run parties -- --net ...`); each party refuses a mismatch.
 */
import { parseArgs } from 'node:util';
import { HOW_TO_GET_STORIES260K, loadModel, resolveModelPath, syntheticModel, type LoadedModel, type TextTokenizer } from '../src/model/checkpoint.js';
import { formatBytes, generationCost } from '../src/model/generation-cost.js';
import { generateSecureLocal } from '../src/model/secure-local.js';
import { describeRingConfig, DEFAULT_RING_CONFIG } from '../src/ring/config.js';
import { closeRingThreads, parseThreads, setRingThreads } from '../src/ring/threads.js';
import { inferRemote, type InferOptions, type InferOutcome } from './infer-remote.js';
import { parseNet } from '../src/parties/net-shaper.js';

const { values: a } = parseArgs({
  options: {
    prompt: { type: 'string', default: '' },
    'max-tokens': { type: 'string', default: '32' },
    temperature: { type: 'string', default: '0' },
    'top-p': { type: 'string', default: '0.9' },
    seed: { type: 'string', default: '1' },
    mode: { type: 'string', default: 'logits' },
    model: { type: 'string' },
    tokenizer: { type: 'string' },
    'in-process': { type: 'boolean', default: false },
    config: { type: 'string' },
    'model-id': { type: 'string' },
    json: { type: 'boolean', default: false },
    'check-ranges': { type: 'boolean', default: false },
    net: { type: 'string' },
    threads: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function fail(msg: string): never {
  process.stderr.write(`infer: ${msg}\n`);
  process.exit(2);
}

function num(name: string, v: string, check: (x: number) => boolean): number {
  const x = Number(v);
  if (!Number.isFinite(x) || !check(x)) fail(`bad --${name} '${v}'`);
  return x;
}

async function main(): Promise<void> {
  if (a.help) {
    process.stdout.write((await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
    return;
  }
  const maxTokens = num('max-tokens', a['max-tokens'], (x) => Number.isInteger(x) && x >= 1);
  const temperature = num('temperature', a.temperature, (x) => x >= 0);
  const topP = num('top-p', a['top-p'], (x) => x > 0 && x <= 1);
  const seed = num('seed', a.seed, (x) => Number.isInteger(x) && x > 0);
  const mode = a.mode === 'token' || a.mode === 'logits' ? a.mode : fail(`--mode must be logits or token, got '${a.mode}'`);
  if (mode === 'token' && temperature !== 0) fail("--mode token decodes greedily (secure argmax): use --temperature 0 or --mode logits");
  const log = (s: string) => {
    if (!a.json) process.stderr.write(s + '\n');
  };
  const net = a.net === undefined ? undefined : parseNet(a.net);
  if (net && a['in-process']) fail('--net shapes the links between party processes; it does not apply to --in-process');
  let printed: number[] = [];
  const stream = (t: number, tok: TextTokenizer) => {
    if (a.json) return;
    if (printed.length === 0) process.stdout.write(a.prompt);
    const before = tok.decode(printed);
    printed = [...printed, t];
    process.stdout.write(tok.decode(printed).slice(before.length));
  };
  if (a['in-process']) {
    try {
      setRingThreads(parseThreads(a.threads, 3));
    } catch (e) {
      fail((e as Error).message);
    }
  }
  const out = a['in-process']
    ? await inferInProcess({ modelPath: a.model, tokenizerPath: a.tokenizer, prompt: a.prompt, maxTokens, temperature, topP, seed, mode, checkRanges: a['check-ranges'], onToken: stream, log })
    : await inferRemote({ configPath: a.config, modelId: a['model-id'], modelPath: a.model, tokenizerPath: a.tokenizer, prompt: a.prompt, maxTokens, temperature, topP, seed, mode, checkRanges: a['check-ranges'], onToken: stream, log, ...(net === undefined ? {} : { net }) });
  await closeRingThreads();
  const cost = generationCost(out.cost, out.wallMs);
  const per = cost.decodePerToken ?? cost.prefill;
  if (a.json) {
    console.log(JSON.stringify({
      text: out.tokenizer.decode(out.result.tokens),
      tokens: out.result.tokens,
      promptTokens: out.promptTokens,
      newTokens: out.result.tokens.length,
      costPerToken: { bytesPerParty: Math.round(per.bytesPerParty), rounds: Math.round(per.rounds), ms: Math.round(per.ms) },
      prefill: { bytesPerParty: Math.round(cost.prefill.bytesPerParty), rounds: Math.round(cost.prefill.rounds), ms: Math.round(cost.prefill.ms) },
      total: { bytesPerParty: Math.round(cost.total.bytesPerParty), rounds: Math.round(cost.total.rounds), ms: Math.round(out.wallMs) },
      model: out.source,
      synthetic: out.synthetic,
    }));
    return;
  }
  process.stdout.write('\n');
  log(`\n${out.result.tokens.length} new tokens (${out.result.stoppedBy}) in ${(out.wallMs / 1000).toFixed(2)} s`);
  log(`prefill (${out.promptTokens} tokens): ${formatBytes(cost.prefill.bytesPerParty)}/party, ${cost.prefill.rounds} rounds, ${cost.prefill.ms.toFixed(0)} ms`);
  if (cost.decodePerToken) log(`per decode token: ${formatBytes(cost.decodePerToken.bytesPerParty)}/party, ${cost.decodePerToken.rounds.toFixed(0)} rounds, ${cost.decodePerToken.ms.toFixed(0)} ms`);
}


async function inferInProcess(o: InferOptions): Promise<InferOutcome> {
  const path = resolveModelPath(o.modelPath);
  let m: LoadedModel;
  if (path) m = loadModel(path, o.tokenizerPath);
  else {
    o.log(HOW_TO_GET_STORIES260K);
    m = syntheticModel(1);
  }
  o.log(`model: ${m.summary}`);
  o.log(`${describeRingConfig(DEFAULT_RING_CONFIG)}; three parties in this process (in-memory channel)`);
  const prompt = m.tokenizer.encode(o.prompt);
  const t0 = performance.now();
  const run = await generateSecureLocal((ops, w) => m.create(ops, w), m.weights, prompt, {
    maxNewTokens: o.maxTokens,
    mode: o.mode,
    temperature: o.temperature,
    topP: o.topP,
    seed: o.seed,
    stopTokens: m.stopTokens,
    checkRanges: o.checkRanges === true,
    onToken: (t) => o.onToken?.(t, m.tokenizer),
  });
  return { result: run.result, cost: run.cost, wallMs: performance.now() - t0, tokenizer: m.tokenizer, promptTokens: prompt.length, source: m.source, synthetic: m.synthetic };
}

main().catch((e: unknown) => {
  const err = e as { code?: string; message?: string };
  if (a.json) console.log(JSON.stringify({ error: { code: err.code ?? 'ERROR', message: err.message ?? String(e) } }));
  else {
    process.stderr.write(`\ninfer: ${err.code ? err.code + ': ' : ''}${err.message ?? String(e)}\n`);
    if (err.code === 'MPC_ERR_CONFIG' || err.code === 'MPC_ERR_PEER_CLOSED') {
      process.stderr.write('hint: start parties with `npm run keys && npm run parties` (and share the model with `npm run share-model -- --model PATH`), or add --in-process\n');
    }
  }
  process.exit(1);
});
