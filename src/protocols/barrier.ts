/**
 * A barrier between the three parties: two exchanges of an empty frame with both others. After
 * the first, a party's depth is one above the largest depth it has heard of; after the second, all
 * three depths are equal (the largest + 2). Benches and tests call it before resetting the meters,
 * so that one op is measured from a common start (ops like msb leave the parties at staggered
 * depths: P0 never waits in a comparison). Cost: 2 rounds, 0 bytes (frame headers only).
 */
import type { Party } from './context.js';

export async function barrier(p: Party, tag = 'barrier'): Promise<void> {
  const z = new BigUint64Array(0);
  for (let i = 0; i < 2; i++) {
    p.comm.sendU64(p.comm.next, tag, z);
    p.comm.sendU64(p.comm.prev, tag, z);
    await p.comm.recvU64(p.comm.prev, tag, 0);
    await p.comm.recvU64(p.comm.next, tag, 0);
  }
}
