/**
 * npm run bench:report -- [--in-process] [--only SUBSTR] [--save FILE.json] [--load FILE.json]
 *                         [--medium-shares trivial|full] [--new-tokens 8]
 *
 * Runs PUMA's scenarios with `scripts/bench.ts` (one fresh process per scenario, so peak RSS is
 * the scenario's own), then writes docs/cost.md (side by side with PUMA's published figures, the
 * targets, per phase / layer / op class tables, the most expensive ops) and docs/cost.svg.
 *
 * Scenarios: GPT-2 base and medium with 16, 32 and 64 prompt tokens → 1 token (the 32-token runs
 * go on to --new-tokens tokens to measure the KV-cached decode steps 2..N); BERT-base with 64,
 * 128 and 256 tokens. Takes many minutes. Results are saved after every scenario (--save), and
 * --load regenerates the docs from saved results without running anything.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './bench/result.js';
import { costMarkdown, pickBert, pickGpt2, type ScenarioOutcome } from './bench/report-md.js';
import { costSvg } from './bench/svg.js';
import { command, int, oneOf, parse, runMain } from './cli.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Opts {
  inProcess?: boolean;
  only?: string;
  save: string;
  load?: string;
  mediumShares: 'trivial' | 'full';
  newTokens: number;
  docsDir: string;
  tiny?: boolean;
}

const values = parse<Opts>(
  command('bench:report', "Run PUMA's scenarios with the bench (many minutes) and write docs/cost.md and docs/cost.svg.")
    .option('--in-process', 'the three parties in the bench process')
    .option('--only <substr>', 'only the scenarios whose id contains this')
    .option('--save <file>', 'save results after every scenario', join(tmpdir(), 'triform-bench-report.json'))
    .option('--load <file>', 'regenerate the docs from saved results, run nothing')
    .option('--medium-shares <mode>', 'weight shares of GPT-2 medium', oneOf(['trivial', 'full'] as const), 'trivial')
    .option('--new-tokens <n>', 'tokens of the 32-token runs (decode steps 2..N)', int({ min: 1, max: 1024 }), 8)
    .option('--docs-dir <dir>', 'where cost.md and cost.svg go', join(ROOT, 'docs'))
    .option('--tiny', 'tiny shapes instead of the real ones (checks the pipeline in seconds)'),
);

interface Scenario {
  id: string;
  args: string[];
}

function scenarios(): Scenario[] {
  const nt = String(values.newTokens);
  const list: Scenario[] = [];
  if (values.tiny) {
    for (const n of [4, 8]) list.push({ id: `gpt2-tiny ${n}→${n === 8 ? nt : '1'}`, args: ['--model', 'gpt2-tiny', '--prompt-tokens', String(n), '--new-tokens', n === 8 ? nt : '1'] });
    list.push({ id: 'bert-tiny 16', args: ['--model', 'bert-tiny', '--prompt-tokens', '16'] });
    return list;
  }
  for (const model of ['gpt2-base', 'gpt2-medium']) {
    // full shares need two u64 components per weight per party: ~5.7 GB per party for medium, ×3 processes
    const shares = model === 'gpt2-medium' ? values.mediumShares : 'full';
    for (const n of [16, 32, 64]) {
      const m = n === 32 ? nt : '1';
      list.push({ id: `${model} ${n}→${m}`, args: ['--model', model, '--prompt-tokens', String(n), '--new-tokens', m, '--shares', shares] });
    }
  }
  for (const n of [64, 128, 256]) list.push({ id: `bert-base ${n}`, args: ['--model', 'bert-base', '--prompt-tokens', String(n), '--shares', 'full'] });
  const only = values.only;
  return only ? list.filter((s) => s.id.includes(only)) : list;
}

const t0 = performance.now();
const say = (msg: string) => process.stderr.write(`[report ${((performance.now() - t0) / 60000).toFixed(1).padStart(5)} min] ${msg}\n`);

function runScenario(sc: Scenario, outFile: string): Promise<ScenarioOutcome> {
  const args = [...sc.args, ...(values.inProcess ? ['--in-process'] : []), '--out', outFile];
  const nodeArgs = process.execArgv.length ? process.execArgv : ['--import', 'tsx'];
  const started = performance.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'scripts/bench.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
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
        if (/weights: 100%|: start|layer (1|4|8|12|16|20|24)\/|exited|Error|error/.test(line)) say(`${sc.id}: ${line.replace(/^\[bench\s+[\d.]+ s\] /, '')}`);
      }
    });
    child.on('exit', (code) => {
      const elapsedMs = performance.now() - started;
      if (code === 0 && existsSync(outFile)) res({ id: sc.id, args, result: JSON.parse(readFileSync(outFile, 'utf8')) as BenchResult, elapsedMs });
      else res({ id: sc.id, args, error: `exit code ${code}: ${tail.slice(-6).join(' | ')}`, elapsedMs });
    });
  });
}

function writeDocs(outcomes: ScenarioOutcome[], startedAt: string, totalMs: number): void {
  const dir = values.docsDir;
  const rerun = `npm run bench:report${values.inProcess ? ' -- --in-process' : ''}`;
  writeFileSync(join(dir, 'cost.md'), costMarkdown(outcomes, { command: rerun, startedAt, totalMs }));
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
  say(`${list.length} scenarios, ${values.inProcess ? 'in-process' : 'three party processes on loopback'}; results saved to ${values.save}`);
  const tmp = mkdtempSync(join(tmpdir(), 'triform-report-'));
  const outcomes: ScenarioOutcome[] = [];
  try {
    for (const [i, sc] of list.entries()) {
      say(`(${i + 1}/${list.length}) ${sc.id}: ${sc.args.join(' ')}`);
      const o = await runScenario(sc, join(tmp, `${i}.json`));
      outcomes.push(o);
      if (o.result) say(`${sc.id}: ${(o.result.totalBytes / 1e9).toFixed(3)} GB, ${o.result.rounds} rounds, wall ${(o.result.wallMs / 1000).toFixed(1)} s (${(o.elapsedMs / 1000).toFixed(0)} s with setup)`);
      else say(`${sc.id}: FAILED ${o.error}`);
      writeFileSync(values.save, JSON.stringify({ startedAt, totalMs: performance.now() - t0, outcomes }) + '\n');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  writeDocs(outcomes, startedAt, performance.now() - t0);
  if (outcomes.some((o) => !o.result)) process.exitCode = 1;
}

runMain('bench:report', main);
