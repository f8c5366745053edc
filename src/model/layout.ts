/**
 * Public index maps for layout ops on flat row-major data. On shares each party applies the same
 * map to both of its components, so transpose / gather / slicing cost nothing. Maps are cached:
 * a model reuses the same few shapes every layer.
 */
import { assertPermutation, numel, stridesOf, type Shape } from './arch/shape.js';

const cache = new Map<string, Int32Array>();
const MAX_CACHED = 256;

function remember(key: string, make: () => Int32Array): Int32Array {
  let m = cache.get(key);
  if (!m) {
    m = make();
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, m);
  }
  return m;
}

/** src index of every output element of transpose(x, perm); out.shape[i] = shape[perm[i]]. */
export function transposeMap(shape: Shape, perm: readonly number[]): { map: Int32Array; outShape: number[] } {
  assertPermutation('transpose', perm, shape.length);
  const outShape = perm.map((p) => shape[p]);
  const map = remember(`T${shape.join(',')}|${perm.join(',')}`, () => {
    const n = numel(shape);
    const inStrides = stridesOf(shape);
    const strides = perm.map((p) => inStrides[p]); // input stride of each output axis
    const m = new Int32Array(n);
    const idx = new Array<number>(outShape.length).fill(0);
    for (let o = 0; o < n; o++) {
      let src = 0;
      for (let a = 0; a < idx.length; a++) src += idx[a] * strides[a];
      m[o] = src;
      for (let a = idx.length - 1; a >= 0; a--) {
        if (++idx[a] < outShape[a]) break;
        idx[a] = 0;
      }
    }
    return m;
  });
  return { map, outShape };
}

/** src index of every output element of takeCols(x, cols) for x of shape [..., N]. */
export function takeColsMap(shape: Shape, cols: readonly number[]): { map: Int32Array; outShape: number[] } {
  const N = shape[shape.length - 1];
  for (const c of cols) if (!Number.isInteger(c) || c < 0 || c >= N) throw new RangeError(`takeCols: column ${c} out of range [0, ${N})`);
  const rows = numel(shape) / N;
  const outShape = [...shape.slice(0, -1), cols.length];
  const map = remember(`C${rows},${N}|${cols.join(',')}`, () => {
    const m = new Int32Array(rows * cols.length);
    for (let r = 0; r < rows; r++) for (let j = 0; j < cols.length; j++) m[r * cols.length + j] = r * N + cols[j];
    return m;
  });
  return { map, outShape };
}

export function gather(src: BigUint64Array, map: Int32Array): BigUint64Array {
  const out = new BigUint64Array(map.length);
  for (let i = 0; i < map.length; i++) out[i] = src[map[i]];
  return out;
}

/** Repeat `b` (a trailing-suffix operand) over the leading axes to `n` elements. */
export function tile(b: BigUint64Array, n: number): BigUint64Array {
  if (b.length === n) return b;
  if (b.length === 0 || n % b.length !== 0) throw new RangeError(`broadcast: ${b.length} elements do not tile ${n}`);
  const out = new BigUint64Array(n);
  for (let o = 0; o < n; o += b.length) out.set(b, o);
  return out;
}

export function tileF64(c: Float64Array, n: number): Float64Array {
  if (c.length === n) return c;
  if (c.length === 0 || n % c.length !== 0) throw new RangeError(`broadcast: ${c.length} constants do not tile ${n}`);
  const out = new Float64Array(n);
  for (let o = 0; o < n; o += c.length) out.set(c, o);
  return out;
}
