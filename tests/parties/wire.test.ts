import { describe, expect, it } from 'vitest';
import { decodeFrameHeader, packr } from '../../src/parties/wire.js';

const header = (st?: string) => packr.pack({ s: 'sess', q: 0, t: 'tag', d: 1, y: 'u64', n: 2, ...(st === undefined ? {} : { st }) });

describe('frame header stream ids', () => {
  it("accepts fork streams ('0.2') and sidecar streams ('0.2~1', '~0'), as context.ts makes them", () => {
    for (const st of ['0', '0.2', '0.2~1', '~0', '1~0.3']) expect(decodeFrameHeader(header(st), 1 << 20).st).toBe(st);
    expect(decodeFrameHeader(header(), 1 << 20).st).toBeUndefined();
  });

  it('rejects other characters and over-long ids', () => {
    for (const st of ['a', '0/1', '0 1', '0'.repeat(65)]) expect(() => decodeFrameHeader(header(st), 1 << 20)).toThrow(/malformed frame header: stream/);
  });
});
