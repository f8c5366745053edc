import { describe, expect, it } from 'vitest';
import { f16ToNumber, numberToF16 } from '../../../src/model/formats/f16.js';
import { ModelFileError } from '../../../src/model/errors.js';
import { argmaxOf, Sampler, XorShiftRng } from '../../../src/model/generate.js';
import { encodeSafetensors, parseSafetensors } from '../../../src/model/formats/safetensors.js';

function header(json: object, data: number): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(json));
  const b = new Uint8Array(8 + h.length + data);
  new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true);
  b.set(h, 8);
  return b;
}

function fails(bytes: Uint8Array, code: string, re: RegExp): void {
  let err: unknown;
  try {
    parseSafetensors(bytes, 'm.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelFileError);
  expect((err as ModelFileError).code).toBe(code);
  expect((err as Error).message).toMatch(/^m\.safetensors: /);
  expect((err as Error).message).toMatch(re);
}

describe('safetensors', () => {
  it('round-trips F64, F32, F16 and BF16 with metadata; header is 8-byte aligned', () => {
    const vals = [1, -2.5, 0.1, 3.14159, 0, 65504];
    const bytes = encodeSafetensors(
      { a: { shape: [2, 3], data: vals, dtype: 'F64' }, b: { shape: [6], data: vals }, c: { shape: [3, 2], data: vals, dtype: 'F16' }, d: { shape: [6], data: vals, dtype: 'BF16' } },
      { format: 'pt' },
    );
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const f = parseSafetensors(bytes, 'x');
    expect(f.metadata).toEqual({ format: 'pt' });
    expect([...f.tensors.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect([...f.tensors.get('a')!.data]).toEqual(vals);
    expect([...f.tensors.get('b')!.data]).toEqual(vals.map(Math.fround));
    expect(f.tensors.get('c')!.shape).toEqual([3, 2]);
    f.tensors.get('c')!.data.forEach((v, i) => expect(Math.abs(v - vals[i])).toBeLessThanOrEqual(Math.abs(vals[i]) * 2 ** -11));
    f.tensors.get('d')!.data.forEach((v, i) => expect(Math.abs(v - vals[i])).toBeLessThanOrEqual(Math.abs(vals[i]) * 2 ** -7));
    expect(f.dtypes.get('c')).toBe('F16');
  });

  it('F16 conversion matches IEEE binary16 (numpy/struct bit patterns)', () => {
    const cases: [number, number][] = [[1, 0x3c00], [-2.5, 0xc100], [65504, 0x7bff], [6e-8, 0x0001], [1e-4, 0x068e], [0.1, 0x2e66], [3.14159, 0x4248]];
    for (const [x, bits] of cases) {
      expect(numberToF16(x)).toBe(bits);
      expect(numberToF16(f16ToNumber(bits))).toBe(bits);
    }
    expect(f16ToNumber(0x7c00)).toBe(Infinity);
    expect(numberToF16(1e6)).toBe(0x7c00);
  });

  it('rejects bad headers, sizes, holes, overlaps, trailing bytes and unsupported dtypes, naming file and tensor', () => {
    fails(new Uint8Array(4), 'MODEL_ERR_TRUNCATED', /no 8-byte header length/);
    fails(header({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 4), 'MODEL_ERR_TRUNCATED', /tensor 'w': data ends/);
    fails(header({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), 'MODEL_ERR_SHAPE', /tensor 'w': .*needs 12/);
    fails(header({ w: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }, 1), 'MODEL_ERR_DTYPE', /tensor 'w': unsupported dtype I8/);
    fails(header({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), 'MODEL_ERR_HEADER', /tensor 'w': hole/);
    fails(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, 8), 'MODEL_ERR_HEADER', /tensor 'b': overlaps/);
    fails(header({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, 6), 'MODEL_ERR_SIZE', /2 trailing bytes/);
    fails(header({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), 'MODEL_ERR_HEADER', /tensor 'w': shape/);
    const nan = header({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 8);
    new DataView(nan.buffer).setFloat32(nan.length - 4, NaN, true);
    fails(nan, 'MODEL_ERR_NONFINITE', /tensor 'w': element 1 is NaN/);
  });
});

describe('client-side sampling', () => {
  it("XorShiftRng reproduces llama2.c's xorshift* outputs", () => {
    const r = new XorShiftRng(42);
    expect([r.nextU32(), r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([1456360119, 3359763283, 3393612768, 4054632243]);
  });

  it('greedy, temperature and top-p sampling', () => {
    const logits = Float64Array.of(0, 5, 1, 4.9);
    expect(argmaxOf(logits)).toBe(1);
    expect(new Sampler(0).sample(logits)).toBe(1);
    // top-p 0.5 keeps only the best token: always 1
    const s = new Sampler(1, 0.5, 7);
    for (let i = 0; i < 20; i++) expect(s.sample(logits)).toBe(1);
    // full sampling visits both of the two likely tokens, and the same seed repeats the sequence
    const draw = (seed: number): number[] => {
      const t = new Sampler(1, 1, seed);
      return Array.from({ length: 50 }, () => t.sample(logits));
    };
    expect(new Set(draw(3))).toEqual(new Set([1, 3]));
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});
