/**
 * npm run bench:protocols — wall time, bytes per party and rounds of the core protocol ops over
 * the in-memory channel (three parties in this process, so times include all three parties'
 * local work on this machine's cores). Prints one JSON object per line.
 */
import os from 'node:os';
import type { Party } from '../src/protocols/context.js';
import type { AShare } from '../src/protocols/share.js';
import { makeLocalParties, runOn } from '../src/protocols/local.js';
import { mulAA } from '../src/protocols/arith.js';
import { truncA } from '../src/protocols/trunc.js';
import { msb } from '../src/protocols/msb.js';
import { mulA1B } from '../src/protocols/bitmul.js';
import { fMatmul } from '../src/protocols/fixed.js';
import { Prg } from '../src/ring/prg.js';
import { aShare } from '../src/protocols/share.js';
import { command, parse, runMain } from './cli.js';

parse(command('bench:protocols', 'Wall time, bytes per party and rounds of the core protocol ops (three parties in this process); JSON lines.'));

const N = 1 << 20;

/**
 * Times `fn` at the three parties on consistent random shares of 40-bit values (party i's x_i and
 * x_{i+1} come from per-index seeds, so the pairs agree). `prepare` runs untimed and unmetered.
 */
async function bench<P>(op: string, elements: number, shapes: number[][], prepare: (p: Party, xs: AShare[]) => Promise<P>, fn: (p: Party, xs: AShare[], prep: P) => Promise<unknown>): Promise<void> {
  const { parties, hub } = makeLocalParties({ seed: op });
  const run = await runOn(parties, hub, async (p) => {
    const xs = shapes.map((sh, j) => {
      const n = sh.reduce((a, b) => a * b, 1);
      const comp = (idx: number) => {
        const prg = new Prg(new Uint8Array(16).fill(31 * j + idx + 1));
        const v = prg.ring(n);
        for (let i = 0; i < n; i++) v[i] &= (1n << 40n) - 1n;
        return v;
      };
      return aShare(sh, comp(p.id), comp((p.id + 1) % 3));
    });
    const prep = await prepare(p, xs);
    await fn(p, xs, prep); // warm-up: JIT, wasm memory growth
    p.meter.reset();
    const t0 = performance.now();
    await p.meter.scope(op, () => fn(p, xs, prep));
    return performance.now() - t0;
  });
  const ms = Math.max(...run.results);
  const c = run.cost.ops[op];
  console.log(JSON.stringify({ op, elements, ms: Math.round(ms * 10) / 10, bytesPerParty: Math.round(c.bytesTotal / 3), rounds: c.rounds }));
}

async function main(): Promise<void> {
  console.error(`# bench:protocols on ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, node ${process.version}, in-memory channel`);
  const none = async () => null;
  await bench('mulAA', N, [[N], [N]], none, (p, [a, b]) => mulAA(p, a, b));
  await bench('truncA', N, [[N]], none, (p, [a]) => truncA(p, a));
  await bench('msb', N, [[N]], none, (p, [a]) => msb(p, a));
  await bench('mulA1B', N, [[N], [N]], (p, [a]) => msb(p, a), (p, [, b], bits) => mulA1B(p, bits, b));
  await bench('fMatmul', 128 * 768, [[128, 768], [768, 768]], none, (p, [a, b]) => fMatmul(p, a, b));
}

runMain('bench:protocols', main);
