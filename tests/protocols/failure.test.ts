/**
 * Failures in the in-memory runs: a party that fails makes the others fail too (no hang), and
 * the caller gets the root cause, not the aborts it triggered; a mismatched op order is a
 * tag mismatch, not garbage.
 */
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../src/protocols/local.js';
import { revealAll, shareInput } from '../../src/protocols/io.js';
import { mulAA } from '../../src/protocols/arith.js';
import { MpcError } from '../../src/protocols/errors.js';
import { andBB } from '../../src/protocols/bool.js';
import { bShare } from '../../src/protocols/share.js';

describe('failures in-process', () => {
  it('one party throwing aborts the others waiting on it; the root cause is reported', async () => {
    const boom = new RangeError('party 1 found bad input');
    const t0 = Date.now();
    await expect(
      runLocal(async (p) => {
        const x = await shareInput(p, 0, p.id === 0 ? new BigUint64Array([1n, 2n]) : null, [2]);
        if (p.id === 1) throw boom;
        return revealAll(p, await mulAA(p, x, x)); // parties 0 and 2 wait for party 1
      }),
    ).rejects.toBe(boom);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('parties running different ops fail with MPC_ERR_TAG_MISMATCH', async () => {
    // mulAA and andBB both send to the previous party: the receiver sees the wrong tag
    const err = await runLocal(async (p) => {
      const x = await shareInput(p, 0, p.id === 0 ? new BigUint64Array([3n]) : null, [1]);
      return p.id === 2 ? andBB(p, bShare([1], x.s0, x.s1), bShare([1], x.s0, x.s1)) : mulAA(p, x, x);
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MpcError);
    expect((err as MpcError).code).toBe('MPC_ERR_TAG_MISMATCH');
  });
});
