/**
 * npm run demo [-- --prompt TEXT] [--max-tokens N] [--model PATH] [--keep] [--offline] [--net lan|wan|rtt=MS,mbps=N]
 *
 * The whole system on this machine: writes keys for three parties and a client in a temporary
 * folder, starts the three party processes, shares the model with them (model owner), generates
 * from the prompt over encrypted WebSockets (client), and prints the secure text next to the
 * plaintext model's text with a match marker, plus the cost per token. Without a checkpoint on
 * disk it downloads stories260K (1 MB, like `npm run get-model`), and only when that fails (or
 * with --offline) runs a seeded synthetic model instead, saying why. --net shapes the links between
 * the parties (e.g. `--net wan` to see a 40 ms RTT, 100 Mbps deployment).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { HOW_TO_GET_STORIES260K, loadModel, resolveModelPath, syntheticModel, type LoadedModel } from '../src/model/formats/checkpoint.js';
import { generate } from '../src/model/generate.js';
import { generationCost, phaseText } from '../src/model/generation-cost.js';
import { PlainOps } from '../src/model/arch/plain-ops.js';
import { DEFAULT_RING_CONFIG, describeRingConfig } from '../src/ring/config.js';
import { TriformClient } from '../src/parties/client.js';
import { loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { findFreePorts, PartyProcess, writeLocalSetup } from '../src/parties/local-cluster.js';
import { createLogger } from '../src/parties/log.js';
import { describeNet, netTag, parseNet } from '../src/parties/net-shaper.js';
import { generateRemote } from '../src/programs/generate.js';
import { uploadModel } from '../src/programs/model.js';
import { command, int, netOption, parse, runMain } from './cli.js';
import { fetchModel } from './fetch-model.js';
import { LoadProgressView } from './progress-view.js';
import { printable, StatusLine, style } from './term.js';

interface Opts {
  prompt: string;
  maxTokens: number;
  model?: string;
  keep?: boolean;
  offline?: boolean;
  net?: string;
}

const a = parse<Opts>(
  command('demo', 'The whole system on this machine: three party processes, the model owner, a client; secure text next to plaintext.')
    .option('--prompt <text>', 'the prompt', 'Once upon a time')
    .option('--max-tokens <n>', 'tokens to generate', int({ min: 1, max: 4096 }), 40)
    .option('--model <path>', 'checkpoint (default: $TRIFORM_MODEL, else stories260K in the models cache, downloaded if missing)')
    .option('--offline', 'never download: without a checkpoint on disk, use the synthetic model')
    .option('--keep', 'keep the temporary keys and party data')
    .addOption(netOption()),
);
const maxTokens = a.maxTokens;
const net = parseNet(a.net);

const { bold, dim, green, red } = style(process.stdout);
const step = (s: string) => console.log(`${bold('▸')} ${s}`);

/** The model to run: on disk, else stories260K downloaded now, else (offline) the synthetic one, saying why. */
async function pickModel(): Promise<LoadedModel> {
  const path = resolveModelPath(a.model);
  if (path) return loadModel(path);
  if (a.offline) {
    console.log(dim(`--offline: no checkpoint on disk, so a synthetic model (meaningless text, real costs)\n${HOW_TO_GET_STORIES260K}`));
    return syntheticModel(1);
  }
  step('no checkpoint on disk: downloading stories260K (1 MB, karpathy/tinyllamas; same as `npm run get-model`)');
  try {
    const files = await fetchModel('stories260K', { idleTimeoutMs: 15_000, log: (s) => console.log(dim(`  ${s}`)) });
    return loadModel(files[0].path);
  } catch (e) {
    console.log(dim(`  could not download it: ${(e as Error).message}`));
    console.log(dim('  so running a seeded synthetic model instead: its text is meaningless, its costs are real (`npm run get-model` retries)'));
    return syntheticModel(1);
  }
}

async function main(): Promise<number> {
  const m = await pickModel();
  step(`model: ${m.summary}`);
  step(describeRingConfig(DEFAULT_RING_CONFIG));

  const dir = mkdtempSync(join(tmpdir(), 'triform-demo-'));
  const ports = (await findFreePorts(3)) as [number, number, number];
  const setup = writeLocalSetup({ out: dir, ports, clients: ['client'] });
  const config = loadPartiesConfig(setup.configPath);
  step(`keys and parties.json in ${dir}; starting P0, P1, P2 on 127.0.0.1:${ports.join(', ')}; links between the parties ${describeNet(net)}`);
  const parties = [0, 1, 2].map((i) => new PartyProcess(setup.configPath, i, { logLevel: 'info', args: ['--net', netTag(net)] }));
  const stopAll = () => parties.forEach((p) => p.kill());
  process.once('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  try {
    await Promise.all(parties.map((p) => p.waitFor(/listening/, 60_000)));
    const log = createLogger({ level: 'warn', destination: process.stderr });
    const identity = readKeyFile(join(dir, 'client.key'));

    // --- the model owner shares the weights ---
    const tensors = new Map([...m.weights.tensors].map(([k, t]) => [k, { shape: [...t.shape], data: t.data }]));
    const total = [...tensors.values()].reduce((s, t) => s + t.data.length, 0);
    const bar = new SingleBar({ format: '  sharing weights {bar} {percentage}% | {value}/{total} parameters', stream: process.stdout, hideCursor: true }, Presets.shades_classic);
    bar.start(total, 0);
    await uploadModel(config, 'demo', tensors, (p) => bar.update(p.elementsDone), { identity, log, meta: { arch: m.arch, config: { ...(m.weights.config as object) }, summary: m.summary } });
    bar.update(total);
    bar.stop();
    step('each party stored its two share arrays; none of them can read the weights');

    // --- the client generates ---
    const prompt = m.tokenizer.encode(a.prompt);
    const c = m.weights.config as { vocabSize: number; seqLen?: number; nPositions?: number };
    step(`client: "${printable(a.prompt)}" → ${prompt.length} tokens, secret-shared as one-hot rows; generating ${maxTokens} tokens\n`);
    const client = await TriformClient.connect({ config, identity, log, net });
    const printed: number[] = [];
    // the parties load their shares first (progress on stderr), so the text starts with the first token
    const head = () => process.stdout.write(`  ${bold('secure')}    ${printable(a.prompt, { newlines: false })}`);
    const status = new StatusLine(process.stderr);
    const loading = new LoadProgressView(process.stderr);
    const t0 = performance.now();
    let last = t0;
    const r = await generateRemote(client, 'demo', prompt, {
      maxNewTokens: maxTokens,
      stopTokens: m.stopTokens,
      vocabSize: c.vocabSize,
      contextLength: c.seqLen ?? c.nPositions ?? 0,
      ring: DEFAULT_RING_CONFIG,
      tuplePool: true, // as infer and bench by default: decode steps from the second take their tuples from the pool
      onProgress: loading.update,
      onToken: (t, i) => {
        if (i === 0) {
          loading.done();
          head();
        }
        const before = m.tokenizer.decode(printed);
        printed.push(t);
        const now = performance.now();
        status.set(`  token ${i + 1}/${maxTokens}, ${(now - last).toFixed(0)} ms`);
        last = now;
        process.stdout.write(printable(m.tokenizer.decode(printed).slice(before.length), { newlines: false }));
      },
    });
    const wall = performance.now() - t0;
    loading.done();
    status.clear();
    if (printed.length === 0) head();
    client.close();
    process.stdout.write('\n');

    // --- plaintext reference (what the model owner would get in the clear) ---
    const plain = await generate(m.create(new PlainOps(), m.weights), prompt, { maxNewTokens: maxTokens, stopTokens: m.stopTokens });
    console.log(`  ${bold('plaintext')} ${printable(a.prompt + m.tokenizer.decode(plain.tokens), { newlines: false })}`);
    const secureIds = r.local.tokens;
    const k = secureIds.findIndex((t, i) => t !== plain.tokens[i]);
    if (k < 0 && secureIds.length === plain.tokens.length) console.log(`\n  ${green('✔ identical')}: all ${secureIds.length} secure tokens equal the plaintext model's`);
    else console.log(`\n  ${red('✘ differs')} at token ${k < 0 ? secureIds.length : k + 1} of ${secureIds.length} (fixed-point approximations; see docs/approx.md)`);
    if (m.synthetic) console.log(dim('  (synthetic weights: the text is meaningless, the costs are real)'));

    const cost = generationCost(r.cost, wall);
    console.log(`\n  ${secureIds.length} tokens in ${(wall / 1000).toFixed(2)} s over encrypted WebSockets on loopback${net ? ` (links ${describeNet(net)})` : ''}`);
    console.log(`  prefill (${prompt.length} tokens): ${phaseText(cost.prefill)}`);
    if (cost.decodePerToken) console.log(`  per new token (KV cache): ${phaseText(cost.decodePerToken)}`);
    return k < 0 ? 0 : 1;
  } finally {
    stopAll();
    await Promise.all(parties.map((p) => p.exited));
    if (!a.keep) rmSync(dir, { recursive: true, force: true });
    else console.log(dim(`  kept ${dir}`));
  }
}

runMain('demo', main);
