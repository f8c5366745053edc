/**
 * npm run bench:report -- [--in-process] [--only SUBSTR] [--save FILE.json] [--load FILE.json]
 *                         [--medium-shares trivial|full] [--new-tokens 8] [--nets lan,wan] [--llama-layers 2]
 *
 * Runs PUMA's scenarios with `scripts/bench.ts` (one fresh process per scenario, so peak RSS is
 * the scenario's own), then writes docs/cost.md (side by side with PUMA's published figures, the
 * targets, per phase / layer / op class tables, the most expensive ops) and docs/cost.svg.
 *
 * Scenarios: GPT-2 base and medium with 16, 32 and 64 prompt tokens → 1 token (the 32-token runs
 * go on to --new-tokens tokens to measure the KV-cached decode steps 2..N); BERT-base with 64,
 * 128 and 256 tokens. Then the MEASURED runs on shaped links (--nets; src/parties/net-shaper.ts):
 * at --net lan the scenarios of PUMA's table (GPT-2 base and medium 32 → N, BERT-base 128), at
 * --net wan GPT-2 base 32 → 2 only (a WAN decode step costs ~35 s of latency); each beside the
 * modelled time of the unshaped run. Last, LLaMA-7B 8 → 2 with --llama-layers of its 32 layers,
 * extrapolated (scripts/bench-llama.ts; 0 skips it). Takes ~30 min. --only takes comma-separated
 * substrings of scenario ids. Results are saved after every scenario (--save), and --load
 * regenerates the docs from saved results without running anything; --merge FILE adds the
 * outcomes saved in FILE (by an earlier --save) that this run does not redo, so a report can be
 * built in parts on a busy machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchResult } from './bench/result.js';
import type { LlamaBenchResult } from './bench-llama.js';
import { costMarkdown, pickBert, pickGpt2, type ScenarioOutcome } from './bench/report-md.js';
import { costSvg } from './bench/svg.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    'in-process': { type: 'boolean', default: false },
    only: { type: 'string' },
    save: { type: 'string', default: join(tmpdir(), 'triform-bench-report.json') },
    load: { type: 'string' },
    merge: { type: 'string' },
    'medium-shares': { type: 'string', default: 'trivial' },
    'new-tokens': { type: 'string', default: '8' },
    nets: { type: 'string', default: 'lan,wan' },
    'llama-layers': { type: 'string', default: '2' },
    'docs-dir': { type: 'string', default: join(ROOT, 'docs') },
    /** Tiny shapes instead of the real ones (checks the report pipeline in seconds). */
    tiny: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  console.error('usage: npm run bench:report -- [--in-process] [--only SUBSTR] [--save FILE] [--load FILE] [--medium-shares trivial|full] [--new-tokens N] [--nets lan,wan|none] [--llama-layers N]');
  process.exit(0);
}

interface Scenario {
  id: string;
  args: string[];
  /** Script to run (default scripts/bench.ts). */
  script?: string;
}

function scenarios(): Scenario[] {
  const nt = values['new-tokens'] as string;
  const list: Scenario[] = [];
  if (values.tiny) {
    for (const n of [4, 8]) list.push({ id: `gpt2-tiny ${n}→${n === 8 ? nt : '1'}`, args: ['--model', 'gpt2-tiny', '--prompt-tokens', String(n), '--new-tokens', n === 8 ? nt : '1'] });
    list.push({ id: 'bert-tiny 16', args: ['--model', 'bert-tiny', '--prompt-tokens', '16'] });
    for (const net of (values.nets as string).split(',').filter((n) => n === 'lan' || n === 'wan')) list.push({ id: `gpt2-tiny 8→2 @${net}`, args: ['--model', 'gpt2-tiny', '--prompt-tokens', '8', '--new-tokens', '2', '--net', net] });
    return list;
  }
  for (const model of ['gpt2-base', 'gpt2-medium']) {
    // full shares need two u64 components per weight per party: ~5.7 GB per party for medium, ×3 processes
    const shares = model === 'gpt2-medium' ? (values['medium-shares'] as string) : 'full';
    for (const n of [16, 32, 64]) {
      const m = n === 32 ? nt : '1';
      list.push({ id: `${model} ${n}→${m}`, args: ['--model', model, '--prompt-tokens', String(n), '--new-tokens', m, '--shares', shares] });
    }
  }
  for (const n of [64, 128, 256]) list.push({ id: `bert-base ${n}`, args: ['--model', 'bert-base', '--prompt-tokens', String(n), '--shares', 'full'] });
  const nets = (values.nets as string).split(',').filter((n) => n === 'lan' || n === 'wan');
  const base = [...list];
  // measured on shaped links: PUMA's table at LAN, the GPT-2 base prefill and one decode step at WAN
  const measured = (net: string) => (net === 'lan' ? base.filter((s) => /^(gpt2-base 32|gpt2-medium 32|bert-base 128)/.test(s.id)) : base.filter((s) => s.id.startsWith('gpt2-base 32')));
  for (const net of nets) {
    for (const s of measured(net)) {
      const args = net === 'wan' ? s.args.map((a, i) => (s.args[i - 1] === '--new-tokens' ? String(Math.min(2, Number(a))) : a)) : s.args;
      const id = net === 'wan' ? s.id.replace(/→\d+/, `→${Math.min(2, Number(nt))}`) : s.id;
      list.push({ id: `${id} @${net}`, args: [...args, '--net', net] });
    }
  }
  const ll = Number(values['llama-layers']);
  if (ll > 0) list.push({ id: `llama-7b 8→2 (${ll} of 32 layers, extrapolated)`, args: ['--layers-run', String(ll), '--prompt-tokens', '8', '--new-tokens', '2'], script: 'scripts/bench-llama.ts' });
  const only = values.only?.split(',');
  return only ? list.filter((s) => only.some((o) => s.id.includes(o))) : list;
}

/** Report order of a scenario id: the order of the full scenario list (unknown ids last). */
function order(id: string): number {
  const saved = values.only;
  values.only = undefined;
  const ids = scenarios().map((s) => s.id);
  values.only = saved;
  const i = ids.indexOf(id);
  return i < 0 ? ids.length : i;
}

const t0 = performance.now();
const say = (msg: string) => process.stderr.write(`[report ${((performance.now() - t0) / 60000).toFixed(1).padStart(5)} min] ${msg}\n`);

function runScenario(sc: Scenario, outFile: string): Promise<ScenarioOutcome> {
  const llama = sc.script === 'scripts/bench-llama.ts';
  const args = [...sc.args, ...(values['in-process'] && !llama && !sc.args.includes('--net') ? ['--in-process'] : []), '--out', outFile];
  const nodeArgs = process.execArgv.length ? process.execArgv : ['--import', 'tsx'];
  const started = performance.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, sc.script ?? 'scripts/bench.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const tail: string[] = [];
    let buf = '';
    child.stderr.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        tail.push(line);
        if (tail.length > 15) tail.shift();
        // relay progress, but only phase starts, every 4th layer and weight building
        if (/weights: 100%|: start|layer (1|4|8|12|16|20|24)\/|exited|Error|error/.test(line)) say(`${sc.id}: ${line.replace(/^\[bench(:llama)?\s+[\d.]+ s\] /, '')}`);
      }
    });
    child.on('exit', (code) => {
      const elapsedMs = performance.now() - started;
      if (code === 0 && existsSync(outFile) && llama) res({ id: sc.id, args, llama: JSON.parse(readFileSync(outFile, 'utf8')) as LlamaBenchResult, elapsedMs });
      else if (code === 0 && existsSync(outFile)) res({ id: sc.id, args, result: JSON.parse(readFileSync(outFile, 'utf8')) as BenchResult, elapsedMs });
      else res({ id: sc.id, args, error: `exit code ${code}: ${tail.slice(-6).join(' | ')}`, elapsedMs });
    });
  });
}

function writeDocs(outcomes: ScenarioOutcome[], startedAt: string, totalMs: number): void {
  const dir = values['docs-dir'] as string;
  const command = `npm run bench:report${values['in-process'] ? ' -- --in-process' : ''}`;
  writeFileSync(join(dir, 'cost.md'), costMarkdown(outcomes, { command, startedAt, totalMs }));
  const panels = [];
  const base = pickGpt2(outcomes);
  if (base) {
    panels.push({ title: `${base.model}, ${base.promptTokens} tokens → 1 (prefill)`, phase: base.phases[0] });
    if (base.phases[1]) panels.push({ title: `${base.model}, one decode step (context ${base.phases[1].context})`, phase: base.phases[1] });
  }
  const bert = pickBert(outcomes);
  if (bert) panels.push({ title: `${bert.model}, ${bert.promptTokens} tokens`, phase: bert.phases[0] });
  if (panels.length === 0) {
    const any = outcomes.find((o) => o.result)?.result;
    if (any) panels.push({ title: `${any.model}, ${any.promptTokens} tokens (${any.phases[0].name})`, phase: any.phases[0] });
  }
  const m = outcomes.find((o) => o.result)?.result?.machine;
  const sub = m ? `${m.cores} × ${m.cpu}, node ${m.node}, ${m.date.slice(0, 10)}; ${outcomes.find((o) => o.result)?.result?.mode}; time = slowest party, noisy (shared machine)` : '';
  if (panels.length) writeFileSync(join(dir, 'cost.svg'), costSvg(panels, sub));
  say(`wrote ${join(dir, 'cost.md')}${panels.length ? ` and ${join(dir, 'cost.svg')}` : ''}`);
}

async function main(): Promise<void> {
  const startedAt = new Date().toISOString();
  if (values.load) {
    const saved = JSON.parse(readFileSync(values.load, 'utf8')) as { startedAt: string; totalMs: number; outcomes: ScenarioOutcome[] };
    writeDocs(saved.outcomes, saved.startedAt, saved.totalMs);
    return;
  }
  const list = scenarios();
  say(`${list.length} scenarios, ${values['in-process'] ? 'in-process' : 'three party processes on loopback'}; results saved to ${values.save}`);
  const tmp = mkdtempSync(join(tmpdir(), 'triform-report-'));
  const outcomes: ScenarioOutcome[] = [];
  const earlier = values.merge ? (JSON.parse(readFileSync(values.merge, 'utf8')) as { outcomes: ScenarioOutcome[] }).outcomes.filter((o) => !list.some((s) => s.id === o.id) && (o.result || o.llama)) : [];
  const all = (): ScenarioOutcome[] => [...earlier, ...outcomes].sort((a, b) => order(a.id) - order(b.id));
  try {
    for (const [i, sc] of list.entries()) {
      say(`(${i + 1}/${list.length}) ${sc.id}: ${sc.args.join(' ')}`);
      const o = await runScenario(sc, join(tmp, `${i}.json`));
      outcomes.push(o);
      if (o.result) say(`${sc.id}: ${(o.result.totalBytes / 1e9).toFixed(3)} GB, ${o.result.rounds} rounds, wall ${(o.result.wallMs / 1000).toFixed(1)} s (${(o.elapsedMs / 1000).toFixed(0)} s with setup)`);
      else if (o.llama) say(`${sc.id}: ${(o.llama.phases[0].bytesTotal / 1e9).toFixed(3)} GB, ${o.llama.phases[0].rounds} rounds per token (extrapolated)`);
      else say(`${sc.id}: FAILED ${o.error}`);
      writeFileSync(values.save as string, JSON.stringify({ startedAt, totalMs: performance.now() - t0, outcomes: all() }) + '\n');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeDocs(all(), startedAt, performance.now() - t0);
  if (outcomes.some((o) => !o.result && !o.llama)) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(`bench:report: ${(e as Error)?.stack ?? String(e)}`);
  process.exit(1);
});
