/**
 * npm run bench:llama -- [--layers-run 2] [--prompt-tokens 8] [--new-tokens 2] [--seed 1]
 *                        [--out FILE.json] [--json] [--detail]
 *
 * PUMA's headline scenario, LLaMA-7B 8 → 1 (PUMA: 200.5 s, 1.794 GB on 3 × 32 vCPU), at the real
 * shapes (scripts/bench/llama.ts): `--layers-run` of the 32 layers plus the embedding, the final
 * norm and the LM head run in THIS process (three parties over the in-memory channel, trivial
 * weight shares: the whole model's shares need ~108 GB per party, this machine has 24 GB), then
 * the 32 identical layers are extrapolated exactly for bytes and rounds (scripts/bench/extrapolate.ts).
 * With --new-tokens 2 the first KV-cached decode step is measured and extrapolated too.
 *
 * Compute time here is the three parties on one thread (their compute added up); the LAN/WAN
 * times are modelled (compute + rounds·RTT + max party bytes / bandwidth). NOT a full run.
 */
import { writeFileSync } from 'node:fs';
import { command, exitWhenFlushed, parse } from './cli.js';
import { approxConfig, DEFAULT_APPROX_CONFIG, describeApproxConfig } from '../src/approx/index.js';
import { clientGenerate, partyGenerate } from '../src/programs/generate.js';
import { runInMemory } from '../src/programs/run-in-memory.js';
import { describeRingConfig, ringConfig } from '../src/ring/config.js';
import { phaseReport, type PhaseReport } from './bench/analyze.js';
import { extrapolatePhase, memoryEstimate, type ExtrapolatedPhase, type MemoryEstimate } from './bench/extrapolate.js';
import { fmtBytes, fmtSec } from './bench/headline.js';
import { buildLlamaLocalWeights, LLAMA_7B, LLAMA_7B_DESCRIPTION, llamaModel, llamaParameterCount } from './bench/llama.js';
import { maxRssMb, rssSampler } from './bench/party-run.js';
import { machine, type Machine } from './bench/result.js';
import { syntheticPrompt } from './bench/spec.js';

const o = parse<{ layersRun: string; promptTokens: string; newTokens: string; seed: string; out?: string; json?: boolean; detail?: boolean }>(
  command('bench:llama', "PUMA's LLaMA-7B scenario: a few layers at the real shapes plus embedding and LM head, the 32 layers extrapolated exactly.")
    .option('--layers-run <n>', 'layers actually run (1..32)', '2')
    .option('--prompt-tokens <n>', 'prompt length', '8')
    .option('--new-tokens <n>', 'tokens to generate', '2')
    .option('--seed <n>', 'seed of the synthetic weights', '1')
    .option('--out <file>', 'also write the result JSON here')
    .option('--json', 'the last stdout line is the result as one JSON object')
    .option('--detail', 'per op class tables'),
);
const values = { 'layers-run': o.layersRun, 'prompt-tokens': o.promptTokens, 'new-tokens': o.newTokens, seed: o.seed, out: o.out, json: o.json === true, detail: o.detail === true };

export interface LlamaBenchResult {
  model: 'llama-7b';
  description: string;
  extrapolated: true;
  promptTokens: number;
  newTokens: number;
  measuredLayers: number;
  totalLayers: number;
  /** Whole model, extrapolated: exact bytes and rounds per phase. */
  phases: ExtrapolatedPhase[];
  /** What actually ran (N layers), per phase. */
  measured: PhaseReport[];
  memory: MemoryEstimate & { peakRssMbThisRun: number; rssAfterWeightsMb: number; note: string };
  wallMsThisRun: number;
  ring: string;
  approx: string;
  machine: Machine;
  notes: string[];
}

const t0 = performance.now();
const say = (m: string) => process.stderr.write(`[bench:llama ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}\n`);

function int(name: string, v: string | undefined, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new RangeError(`--${name} must be an integer in [${lo}, ${hi}], got '${v}'`);
  return n;
}

async function main(): Promise<void> {
  const runLayers = int('layers-run', values['layers-run'], 1, 32);
  const promptTokens = int('prompt-tokens', values['prompt-tokens'], 1, 512);
  const newTokens = int('new-tokens', values['new-tokens'], 1, 16);
  const seed = int('seed', values.seed, 0, 2 ** 31);
  const full = LLAMA_7B;
  const c = { ...full, nLayers: runLayers };
  const cfg = ringConfig({ fracBits: 18 });
  const approx = approxConfig({}, DEFAULT_APPROX_CONFIG);
  const m = machine();
  say(`${LLAMA_7B_DESCRIPTION}; running ${runLayers} of ${full.nLayers} layers in-process, ${promptTokens} → ${newTokens}`);
  say(`machine: ${m.cores} × ${m.cpu}, ${m.memGb} GB RAM (${m.freeMemGb} GB free), load avg ${m.loadavg1m}`);
  let last = -1;
  const weights = await buildLlamaLocalWeights(c, cfg, seed, (i, n) => {
    const pct = Math.floor((100 * (i + 1)) / n / 25) * 25;
    if (pct !== last && pct > 0) say(`weights: ${pct}% of ${n} tensors (trivial shares, one shared copy)`);
    last = pct;
  });
  const rssAfterWeightsMb = process.memoryUsage.rss() / 2 ** 20;
  const sampler = rssSampler();
  const t1 = performance.now();
  const run = await runInMemory(
    (p, session) => {
      let phase = 'prefill';
      let step = 0;
      const model = llamaModel(p, session.client, { approx }, weights[p.id], p.id === 0 ? (l) => say(`${phase}: layer ${l + 1}/${runLayers}`) : undefined);
      const meter = {
        scope<T>(label: string, fn: () => Promise<T>): Promise<T> {
          phase = label === 'decode' ? `decode${++step}` : label;
          if (p.id === 0) say(`${phase}: start`);
          return p.meter.scope(phase, fn);
        },
      };
      return partyGenerate(model, session.client, { promptTokens, maxNewTokens: newTokens, mode: 'logits' }, meter);
    },
    (links) => clientGenerate(links, syntheticPrompt(promptTokens, c.vocabSize), { vocabSize: c.vocabSize, contextLength: c.seqLen, ring: cfg, maxNewTokens: newTokens, mode: 'logits', temperature: 0 }),
    { cfg, seed: `bench-llama-${seed}` },
  );
  const gen = run.local;
  const wallMsThisRun = performance.now() - t1;
  const peakRun = sampler.stop();
  const { cost } = run;
  const clientMs = [gen.prefillMs, ...gen.decodeMs];
  const measured = clientMs.map((ms, i) => phaseReport(cost, i === 0 ? 'prefill' : `decode${i}`, i === 0 ? promptTokens : 1, promptTokens + i, ms));
  const phases = measured.map((p) => extrapolatePhase(p, full.nLayers));
  const params = llamaParameterCount(full);
  const layerParams = llamaParameterCount({ ...full, nLayers: 1 }) - llamaParameterCount({ ...full, nLayers: 0 });
  const mem = memoryEstimate(params, layerParams, full.nLayers, (full.dim / full.nHeads) * full.nKvHeads, promptTokens + newTokens - 1);
  const result: LlamaBenchResult = {
    model: 'llama-7b',
    description: LLAMA_7B_DESCRIPTION,
    extrapolated: true,
    promptTokens,
    newTokens,
    measuredLayers: runLayers,
    totalLayers: full.nLayers,
    phases,
    measured,
    memory: {
      ...mem,
      peakRssMbThisRun: Math.round(Math.max(peakRun, maxRssMb())),
      rssAfterWeightsMb: Math.round(rssAfterWeightsMb),
      note: `one process held all three parties and trivial shares of ${runLayers} layer(s) + embedding + LM head (one shared copy)`,
    },
    wallMsThisRun: Math.round(wallMsThisRun),
    ring: describeRingConfig(cfg),
    approx: describeApproxConfig(approx),
    machine: m,
    notes: [
      `EXTRAPOLATED from ${runLayers} measured layer(s) of ${full.nLayers}: bytes and rounds are exact per-layer constants (checked identical across measured layers); compute time is outside + ${full.nLayers} × the mean measured layer time, three parties on one thread of this machine.`,
      'LAN/WAN times are modelled: compute + rounds × RTT + max party bytes / bandwidth.',
    ],
  };
  const p = phases[0];
  console.log(`llama-7b ${promptTokens}→1 EXTRAPOLATED from ${runLayers} of ${full.nLayers} layers: ${fmtBytes(p.bytesTotal)} total, ${p.rounds} rounds; compute ${fmtSec(p.computeMs)} here (in-process); LAN ${fmtSec(p.lanModelMs)}, WAN ${fmtSec(p.wanModelMs)} (modelled); weight shares ${fmtBytes(mem.weightSharesBytes)} per party`);
  for (const d of phases.slice(1)) console.log(`  ${d.name} (context ${d.context}), extrapolated: ${fmtBytes(d.bytesTotal)} total, ${d.rounds} rounds; compute ${fmtSec(d.computeMs)}; LAN ${fmtSec(d.lanModelMs)}, WAN ${fmtSec(d.wanModelMs)} (modelled)`);
  console.log(`  per layer: ${fmtBytes(p.layer.bytesTotal)}, ${p.layer.rounds} rounds (prefill); outside the layers: ${fmtBytes(p.outside.bytesTotal)}, ${p.outside.rounds} rounds`);
  console.log(`  memory per party for the whole model: ${fmtBytes(mem.weightSharesBytes)} of weight shares (${(params / 1e9).toFixed(2)} B params × 16 B) + KV cache ${fmtBytes(mem.kvCacheBytes)}; PRG-seeded components: ${fmtBytes(mem.seededWeightBytes)}; streaming one layer: ${fmtBytes(mem.streamedLayerBytes)} resident`);
  console.log(`  this run: ${fmtSec(wallMsThisRun)} for ${runLayers} layer(s), peak RSS ${result.memory.peakRssMbThisRun} MB (one process, three parties, trivial shares)`);
  if (values.detail) {
    for (const q of measured) {
      console.log(`\n  measured ${q.name}: ${q.layers.map((l) => `${l.name} ${fmtBytes(l.bytesTotal)}/${l.rounds} rounds/${fmtSec(l.ms)}`).join('; ')}`);
      console.log(`  classes: ${q.classes.map((k) => `${k.name} ${fmtBytes(k.bytesTotal)}/${k.rounds} r`).join(', ')}`);
    }
  }
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  if (values.json) console.log(JSON.stringify(result));
}

main().then(
  () => exitWhenFlushed(0),
  (e: unknown) => {
    console.error(`bench:llama: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
