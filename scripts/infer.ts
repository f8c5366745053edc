/**
 * npm run infer -- --prompt TEXT [options]      (npm run infer -- --help for all options)
 *
 * Secure generation. --in-process runs the three parties and the client in this process over the
 * in-memory channel; otherwise the client talks to the running parties of --config (the model
 * must have been shared with `npm run share-model`).
 */
import { resolve } from 'node:path';
import { HOW_TO_GET_STORIES260K, loadModel, resolveModelPath, syntheticModel, type LoadedModel, type TextTokenizer } from '../src/model/formats/checkpoint.js';
import { generationCost, phaseText, type PhaseCost } from '../src/model/generation-cost.js';
import { generateSecureLocal } from '../src/programs/generate.js';
import { describeRingConfig, DEFAULT_RING_CONFIG } from '../src/ring/config.js';
import { command, configOption, connectTimeoutOption, float, int, netOption, oneOf, parse, runMain, threadsOption, usageExit } from './cli.js';
import { partyHint } from './hints.js';
import { inferRemote, type InferOptions, type InferOutcome } from './infer-remote.js';
import { parseNet } from '../src/parties/net-shaper.js';
import { closeRingThreads, parseThreads, setRingThreads } from '../src/ring/threads.js';
import { LoadProgressView } from './progress-view.js';
import { printable } from './term.js';

interface Opts {
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  mode: 'logits' | 'token';
  model?: string;
  tokenizer?: string;
  inProcess?: boolean;
  config: string;
  modelId?: string;
  key?: string;
  connectTimeout: number;
  json?: boolean;
  checkRanges?: boolean;
  tuplePool?: boolean;
  net?: string;
  threads?: string;
}

const a = parse<Opts>(
  command('infer', 'Secure text generation: the prompt and the output stay with this client; the parties see only shares.')
    .option('--prompt <text>', 'the prompt', '')
    .option('--max-tokens <n>', 'tokens to generate', int({ min: 1 }), 32)
    .option('--temperature <t>', 'sampling temperature (0 = greedy)', float({ min: 0 }), 0)
    .option('--top-p <p>', 'nucleus sampling mass', float({ above: 0, max: 1 }), 0.9)
    .option('--seed <s>', 'sampling seed', int({ min: 1 }), 1)
    .option('--mode <mode>', 'logits: the client samples; token: secure argmax at the parties, the client gets only the id', oneOf(['logits', 'token'] as const), 'logits')
    .option('--model <path>', 'checkpoint (llama2.c .bin or GPT-2 folder); default $TRIFORM_MODEL or the models cache')
    .option('--tokenizer <path>', 'tokenizer file (default: the one beside the model)')
    .option('--in-process', 'run the three parties in this process (no setup needed)')
    .addOption(configOption())
    .option('--model-id <id>', 'the id the model was shared under (default: the checkpoint file name)')
    .option('--key <file>', 'client identity key (default: client.key beside the config)')
    .addOption(connectTimeoutOption())
    .option('--json', 'one JSON line on stdout instead of text')
    .option('--tuple-pool', "make each decode step's 1-round truncation tuples at its start, from the step before's claims, and the first step's later layers' from its earlier layers' (fewer waits on slow links; ≈ 10 % more offline bytes; the default)")
    .option('--no-tuple-pool', 'make every 1-round truncation tuple on demand (fewer offline bytes, more waits on slow links)')
    .option('--check-ranges', 'checked mode: one secure range check per layer; an out-of-range value aborts with MPC_ERR_RANGE (extra rounds and bytes; reveals one bit per check)')
    .addOption(netOption())
    .addOption(threadsOption())
    .addHelpText('after', '\nExamples:\n  npm run infer -- --in-process --prompt "Once upon a time"\n  npm run infer -- --model $MODEL --prompt "Once upon a time" --max-tokens 32   (parties running, model shared)'),
);
if (a.net !== undefined && a.inProcess) usageExit('infer', '--net shapes the links between party processes; it does not apply to --in-process');
if (a.mode === 'token' && a.temperature !== 0) usageExit('infer', '--mode token decodes greedily (secure argmax): use --temperature 0 or --mode logits');

async function main(): Promise<void> {
  const { maxTokens, temperature, topP, seed, mode } = a;
  const log = (s: string) => {
    if (!a.json) process.stderr.write(s + '\n');
  };
  let printed: number[] = [];
  const stream = (t: number, tok: TextTokenizer) => {
    if (a.json) return;
    if (printed.length === 0) process.stdout.write(printable(a.prompt));
    const before = tok.decode(printed);
    printed = [...printed, t];
    process.stdout.write(printable(tok.decode(printed).slice(before.length)));
  };
  const checkRanges = a.checkRanges === true;
  const tuplePool = a.tuplePool !== false;
  // the parties' model-loading progress goes to stderr; --json keeps stderr quiet (as for log())
  const progress = a.json || a.inProcess ? null : new LoadProgressView(process.stderr);
  if (a.inProcess) setRingThreads(parseThreads(a.threads, 3));
  const out = a.inProcess
    ? await inferInProcess({ ...(a.model ? { modelPath: a.model } : {}), ...(a.tokenizer ? { tokenizerPath: a.tokenizer } : {}), prompt: a.prompt, maxTokens, temperature, topP, seed, mode, checkRanges, tuplePool, onToken: stream, log })
    : await inferRemote({ configPath: a.config, modelId: a.modelId, keyPath: a.key, handshakeTimeoutMs: a.connectTimeout * 1000, ...(a.model ? { modelPath: a.model } : {}), ...(a.tokenizer ? { tokenizerPath: a.tokenizer } : {}), prompt: a.prompt, maxTokens, temperature, topP, seed, mode, checkRanges, tuplePool, onToken: stream, log, ...(a.net === undefined ? {} : { net: parseNet(a.net) }), ...(progress ? { onProgress: progress.update } : {}) }).finally(() => progress?.done());
  await closeRingThreads();
  const cost = generationCost(out.cost, out.wallMs);
  const per = cost.decodePerToken ?? cost.prefill;
  if (a.json) {
    console.log(JSON.stringify({
      text: out.tokenizer.decode(out.result.tokens),
      tokens: out.result.tokens,
      promptTokens: out.promptTokens,
      newTokens: out.result.tokens.length,
      // bytesPerParty: online bytes; offlineBytesPerParty: preprocessing; rounds: online rounds
      costPerToken: phaseJson(per),
      prefill: phaseJson(cost.prefill),
      total: { ...phaseJson(cost.total), ms: Math.round(out.wallMs) },
      model: out.source,
      synthetic: out.synthetic,
    }));
    return;
  }
  process.stdout.write('\n');
  log(`\n${out.result.tokens.length} new tokens (${out.result.stoppedBy}) in ${(out.wallMs / 1000).toFixed(2)} s`);
  log(`prefill (${out.promptTokens} tokens): ${phaseText(cost.prefill)}`);
  if (cost.decodePerToken) log(`per decode token: ${phaseText(cost.decodePerToken)}`);
}

const phaseJson = (c: PhaseCost) => ({ bytesPerParty: Math.round(c.bytesPerParty), offlineBytesPerParty: Math.round(c.offlineBytesPerParty), rounds: c.rounds, ms: Math.round(c.ms) });



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
    tuplePool: o.tuplePool === true,
    onToken: (t) => o.onToken?.(t, m.tokenizer),
  });
  return { result: run.result, cost: run.cost, wallMs: performance.now() - t0, tokenizer: m.tokenizer, promptTokens: prompt.length, source: m.source, synthetic: m.synthetic };
}

runMain('infer', main, { json: a.json ?? false, hint: (e) => (a.inProcess ? undefined : partyHint(e, resolve(a.config))) });
