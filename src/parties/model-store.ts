/**
 * Model shares on a party's disk. The model owner uploads once (program 'model/store',
 * src/programs/model.ts); each party keeps its two share arrays (x_i, x_{i+1}) of every tensor under
 *
 *   <dataDir>/models/<modelId>/manifest.json     names, shapes, files, ring config, party id
 *   <dataDir>/models/<modelId>/t<k>.s0|.s1       raw little-endian u64, row-major
 *
 * and later sessions call `loadModelShares(dataDir, modelId)`. An upload writes a temporary
 * folder and renames it, so a crash never leaves a half-written model behind.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MpcError } from '../protocols/errors.js';
import type { AShare } from '../protocols/share.js';
import { aShare } from '../protocols/share.js';
import { makeResident } from '../protocols/resident.js';
import { sizeOf } from '../ring/tensor.js';

export const MODEL_FORMAT = 'triform-model-shares/1';
export const modelIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64, not starting with . _ -)');
export const shapeSchema = z.array(z.number().int().min(0).max(2 ** 31)).max(8);

export const manifestSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    modelId: modelIdSchema,
    party: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    ring: z.object({ ringBits: z.literal(64), fracBits: z.number().int() }),
    createdAt: z.string(),
    tensors: z.array(z.object({ name: z.string().min(1).max(256), shape: shapeSchema, file: z.string() })),
    /** Public model description from the owner (e.g. the checkpoint's hyper-parameters). */
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ModelManifest = z.infer<typeof manifestSchema>;

export function modelDir(dataDir: string, modelId: string): string {
  return join(dataDir, 'models', modelIdSchema.parse(modelId));
}

export function readManifest(dataDir: string, modelId: string): ModelManifest {
  const path = join(modelDir(dataDir, modelId), 'manifest.json');
  if (!existsSync(path)) throw new MpcError('MPC_ERR_INPUT', `model '${modelId}' is not stored in ${dataDir} (no ${path})`);
  const r = manifestSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!r.success) throw new MpcError('MPC_ERR_INPUT', `bad model manifest ${path}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

export interface ModelShares {
  manifest: ModelManifest;
  /** This party's replicated share of each tensor, in manifest order. */
  tensors: Map<string, AShare>;
}

/** Load this party's shares of a stored model (throws MPC_ERR_INPUT if absent or inconsistent). */
export function loadModelShares(dataDir: string, modelId: string): ModelShares {
  const manifest = readManifest(dataDir, modelId);
  const dir = modelDir(dataDir, modelId);
  const tensors = new Map<string, AShare>();
  for (const t of manifest.tensors) {
    const n = sizeOf(t.shape);
    const read = (suffix: string): BigUint64Array => {
      const path = join(dir, `${t.file}.${suffix}`);
      const size = statSync(path).size;
      if (size !== 8 * n) throw new MpcError('MPC_ERR_SHAPE', `model '${modelId}' tensor '${t.name}': ${path} has ${size} bytes, shape [${t.shape.join(',')}] needs ${8 * n}`);
      const b = readFileSync(path);
      const out = new BigUint64Array(n);
      new Uint8Array(out.buffer).set(b);
      return out;
    };
    tensors.set(t.name, aShare(t.shape, read('s0'), read('s1')));
  }
  return { manifest, tensors };
}

export interface LoadProgress {
  modelId: string;
  tensor: string;
  /** Tensors loaded so far and in all. */
  done: number;
  tensors: number;
  bytesDone: number;
  bytesTotal: number;
}

/** Bytes read per await: the event loop (heartbeats, other links) runs between chunks. */
const READ_CHUNK = 16 << 20;

async function readShareFile(path: string, n: number, label: string): Promise<BigUint64Array> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    if (size !== 8 * n) throw new MpcError('MPC_ERR_SHAPE', `${label}: ${path} has ${size} bytes, the shape needs ${8 * n}`);
    // not zero-filled (zeroing a 300 MB tensor holds the event loop for a noticeable time): every
    // byte is read from the file below, or the load fails and the array is dropped
    const bytes = new Uint8Array(Buffer.allocUnsafeSlow(8 * n).buffer, 0, 8 * n);
    const out = new BigUint64Array(bytes.buffer, 0, n);
    for (let off = 0; off < bytes.length; ) {
      const { bytesRead } = await fh.read(bytes, off, Math.min(READ_CHUNK, bytes.length - off), off);
      if (bytesRead === 0) throw new MpcError('MPC_ERR_SHAPE', `${label}: ${path} ended at byte ${off} of ${bytes.length}`);
      off += bytesRead;
    }
    return out;
  } finally {
    await fh.close();
  }
}

/**
 * `loadModelShares` without blocking the event loop: files are read asynchronously in chunks
 * straight into the share arrays, so a party keeps its links alive (heartbeats) while it loads
 * a model of gigabytes; `onProgress` after every tensor.
 */
export async function loadModelSharesAsync(dataDir: string, modelId: string, onProgress?: (p: LoadProgress) => void): Promise<ModelShares> {
  const manifest = readManifest(dataDir, modelId);
  const dir = modelDir(dataDir, modelId);
  const tensors = new Map<string, AShare>();
  const bytesTotal = manifest.tensors.reduce((t, x) => t + 16 * sizeOf(x.shape), 0);
  let bytesDone = 0;
  for (const [i, t] of manifest.tensors.entries()) {
    const n = sizeOf(t.shape);
    const label = `model '${modelId}' tensor '${t.name}'`;
    const s0 = await readShareFile(join(dir, `${t.file}.s0`), n, label);
    const s1 = await readShareFile(join(dir, `${t.file}.s1`), n, label);
    const share = aShare(t.shape, s0, s1);
    // into the ring arena now, one tensor at a time (the read arrays die here): the first
    // session's products then read it in place instead of paying the copy in its prefill
    await makeResident(share);
    tensors.set(t.name, share);
    bytesDone += 16 * n;
    onProgress?.({ modelId, tensor: t.name, done: i + 1, tensors: manifest.tensors.length, bytesDone, bytesTotal });
  }
  return { manifest, tensors };
}
