/**
 * The embedding op's input: ids on the plaintext backends, only a count at the parties (the client
 * holds the ids and sends one-hot shares). Neither side accepts the other's form.
 */
import { describe, expect, it } from 'vitest';
import { newSession } from '../../src/model/arch/causal-lm.js';
import { Gpt2 } from '../../src/model/arch/gpt2.js';
import { countOf, tokenCount } from '../../src/model/arch/ops.js';
import { PlainOps, plainTensor } from '../../src/model/arch/plain-ops.js';
import type { ClientLink } from '../../src/protocols/client-link.js';
import { SecureOps } from '../../src/model/secure-ops.js';
import { makeLocalParties } from '../../src/protocols/local.js';
import { aShare } from '../../src/protocols/share.js';
import { syntheticGpt2, TINY_GPT2 } from './_helpers.js';

describe('TokenInput', () => {
  it('tokenCount is a non-negative integer; countOf reads ids and counts alike', () => {
    expect(countOf(tokenCount(3))).toBe(3);
    expect(countOf([4, 5])).toBe(2);
    expect(() => tokenCount(-1)).toThrow(RangeError);
    expect(() => tokenCount(1.5)).toThrow(RangeError);
  });

  it('the plaintext backend needs ids: a count is a TypeError, in embedding and through prefill', async () => {
    const ops = new PlainOps();
    await expect(ops.embedding(tokenCount(2), plainTensor([3, 2], [0, 1, 10, 11, 20, 21]))).rejects.toThrow(TypeError);
    await expect(newSession(new Gpt2(ops, syntheticGpt2(TINY_GPT2, 1))).prefill(tokenCount(2))).rejects.toThrow(/needs token ids/);
  });

  it('SecureOps takes a count only: ids are a TypeError before any message', async () => {
    const { parties } = makeLocalParties({ seed: 'token-input' });
    const noClient = {} as ClientLink; // never reached
    const table = aShare([3, 2], new BigUint64Array(6), new BigUint64Array(6));
    await expect(new SecureOps(parties[0], noClient).embedding([1, 2], table)).rejects.toThrow(/token count .*never token ids/);
  });
});
