/**
 * Program 'selftest': an N×N fixed-point matmul (fMatmul), the MSB of N² ring elements and a max
 * tree along the rows of an N×N matrix (maxLast) on inputs the client shares, with the outputs
 * revealed to the client. The same two halves run at the parties over WebSockets and in memory
 * (`selftestLocal`), so the two costs can be compared byte for byte and round for round.
 */
import { z } from 'zod';
import { reconstruct, reconstructBits, recvShare, sendBits, sendShare, sendShares, type ClientLinks } from '../protocols/client-link.js';
import type { Party } from '../protocols/context.js';
import { fMatmul } from '../protocols/fixed.js';
import { maxLast } from '../protocols/max.js';
import { msb } from '../protocols/msb.js';
import type { AShare, BitShare } from '../protocols/share.js';
import { DEFAULT_RING_CONFIG, type RingConfig } from '../ring/config.js';
import { Prg } from '../ring/prg.js';
import { encodeFixed } from '../parties/_fixed.js';
import type { ProgramDef } from '../parties/program-table.js';
import { runInMemory, type InMemoryRun } from './run-in-memory.js';

export const selftestParams = z.object({ size: z.number().int().min(1).max(1024) }).strict();
export type SelftestParams = z.infer<typeof selftestParams>;

export interface SelftestInputs {
  a: BigUint64Array; // [N*N] fixed point
  b: BigUint64Array; // [N*N] fixed point
  m: BigUint64Array; // [N*N] ring elements
  x: BigUint64Array; // [N*N] signed, |x| < 2^50
}

export interface SelftestOutputs<A, B> {
  c: A; // [N,N]
  bits: B; // [N*N]
  max: A; // [N]
}

/** The workload itself, on shares (protocol ops only). */
export async function selftestWorkload(p: Party, a: AShare, b: AShare, m: AShare, x: AShare): Promise<SelftestOutputs<AShare, BitShare>> {
  const c = await fMatmul(p, a, b);
  const bits = await msb(p, m);
  const max = await maxLast(p, x);
  return { c, bits, max };
}

export const selftestProgram: ProgramDef<SelftestParams, { size: number }> = {
  name: 'selftest',
  description: 'N×N fMatmul, msb on N² elements, maxLast over N rows; outputs revealed to the client',
  params: selftestParams,
  async run(p, { client }, { size: N }) {
    const a = await recvShare(client, 'selftest/a', [N, N]);
    const b = await recvShare(client, 'selftest/b', [N, N]);
    const m = await recvShare(client, 'selftest/m', [N * N]);
    const x = await recvShare(client, 'selftest/x', [N, N]);
    const out = await selftestWorkload(p, a, b, m, x);
    sendShare(client, 'selftest/c', out.c);
    sendBits(client, 'selftest/msb', out.bits);
    sendShare(client, 'selftest/max', out.max);
    return { size: N };
  },
};

/** Random inputs (fixed-point reals in [-2, 2) for the matmul). */
export function selftestInputs(N: number, prg: Prg = Prg.random(), cfg: RingConfig = DEFAULT_RING_CONFIG): SelftestInputs {
  const n = N * N;
  const reals = (): Float64Array => {
    const r = prg.ring(n);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(r[i] >> 11n) / 2 ** 53 * 4 - 2;
    return out;
  };
  const x = prg.ring(n);
  for (let i = 0; i < n; i++) x[i] = BigInt.asUintN(64, BigInt.asIntN(51, x[i]));
  return { a: encodeFixed(reals(), cfg, 'selftest a'), b: encodeFixed(reals(), cfg, 'selftest b'), m: prg.ring(n), x };
}

/** The client half: share the inputs, reveal the outputs. */
export async function selftestClient(links: ClientLinks, N: number, inp: SelftestInputs): Promise<SelftestOutputs<BigUint64Array, Uint8Array>> {
  sendShares(links, 'selftest/a', inp.a, [N, N]);
  sendShares(links, 'selftest/b', inp.b, [N, N]);
  sendShares(links, 'selftest/m', inp.m, [N * N]);
  sendShares(links, 'selftest/x', inp.x, [N, N]);
  const c = await reconstruct(links, 'selftest/c', N * N);
  const bits = await reconstructBits(links, 'selftest/msb', N * N);
  const max = await reconstruct(links, 'selftest/max', N);
  return { c, bits, max };
}

/** Compare revealed outputs with plaintext (matmul within 1 ulp of the floor; msb and max exact). */
export function checkSelftest(N: number, inp: SelftestInputs, out: SelftestOutputs<BigUint64Array, Uint8Array>, cfg: RingConfig = DEFAULT_RING_CONFIG): string[] {
  const bad: string[] = [];
  const s = (v: bigint) => BigInt.asIntN(64, v);
  const f = BigInt(cfg.fracBits);
  for (let i = 0; i < N && bad.length < 5; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0n;
      for (let k = 0; k < N; k++) acc += s(inp.a[i * N + k]) * s(inp.b[k * N + j]);
      const want = acc >> f;
      const got = s(out.c[i * N + j]);
      const d = got - want;
      if (d < -1n || d > 1n) {
        bad.push(`fMatmul[${i},${j}]: got ${got}, want ${want} ± 1`);
        break;
      }
    }
  }
  for (let e = 0; e < N * N && bad.length < 10; e++) {
    const want = Number(inp.m[e] >> 63n);
    if (out.bits[e] !== want) bad.push(`msb[${e}]: got ${out.bits[e]}, want ${want}`);
  }
  for (let r = 0; r < N && bad.length < 15; r++) {
    let want = s(inp.x[r * N]);
    for (let c = 1; c < N; c++) if (s(inp.x[r * N + c]) > want) want = s(inp.x[r * N + c]);
    if (s(out.max[r]) !== want) bad.push(`max[${r}]: got ${s(out.max[r])}, want ${want}`);
  }
  return bad;
}

/** The same program with the parties and the client in memory, for cost comparison. */
export function selftestLocal(N: number, inp: SelftestInputs, seed: string | number = 'selftest'): Promise<InMemoryRun<{ size: number }, SelftestOutputs<BigUint64Array, Uint8Array>>> {
  return runInMemory(
    (p, session) => selftestProgram.run(p, session, { size: N }),
    (links) => selftestClient(links, N, inp),
    { seed },
  );
}
