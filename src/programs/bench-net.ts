/**
 * Program 'bench/net': link throughput and round latency between the parties, measured inside
 * the parties on the same Comm the protocols use. P0 and P1 exchange one `bytes`-sized frame in
 * each direction at once (bulk); then `rounds` small rounds (each party sends 8 bytes to its next
 * party and waits for its previous one's). No client half: the client only opens the session
 * (`client.run('bench/net', params)`, scripts/bench-net.ts) and reads the three results.
 */
import { barrier } from '../protocols/barrier.js';
import { z } from 'zod';
import type { ProgramDef } from '../parties/program-table.js';

export const benchParams = z
  .object({
    bytes: z.number().int().min(0).max(1024 * 1024 * 1024),
    rounds: z.number().int().min(0).max(100_000),
  })
  .strict();
export type BenchParams = z.infer<typeof benchParams>;

export interface BenchNetResult {
  party: number;
  /** ms from the common start until this party received the peer's bulk frame (P0, P1), else 0. */
  bulkMs: number;
  bulkBytes: number;
  /** Total ms of the small rounds. */
  roundsMs: number;
  rounds: number;
}

export const benchNetProgram: ProgramDef<BenchParams, BenchNetResult> = {
  name: 'bench/net',
  description: 'bulk exchange P0↔P1 and small-round latency on the encrypted links',
  params: benchParams,
  async run(p, _session, { bytes, rounds }) {
    await barrier(p, 'bench/start');
    let bulkMs = 0;
    if (p.id !== 2 && bytes > 0) {
      const other = p.id === 0 ? 1 : 0;
      const payload = new Uint8Array(bytes);
      for (let i = 0; i < bytes; i += 4096) payload[i] = i & 0xff;
      const t0 = performance.now();
      p.comm.sendBytes(other, 'bench/bulk', payload);
      await p.comm.recvBytes(other, 'bench/bulk', bytes);
      bulkMs = performance.now() - t0;
    }
    await barrier(p, 'bench/mid');
    const small = new Uint8Array(8);
    const t1 = performance.now();
    for (let r = 0; r < rounds; r++) {
      p.comm.sendBytes(p.comm.next, 'bench/round', small);
      await p.comm.recvBytes(p.comm.prev, 'bench/round', 8);
    }
    const roundsMs = performance.now() - t1;
    return { party: p.id, bulkMs, bulkBytes: p.id === 2 ? 0 : bytes, roundsMs, rounds };
  },
};
