/**
 * Programs 'model/store' and 'model/info': the model owner's upload of weight shares, and the
 * public description of a stored model.
 *
 * 'model/store', client half (`uploadModel`, the owner): fixed-point encode named float tensors,
 * secret-share them chunk by chunk (the owner's own CSPRNG-seeded PRG) and send each party its
 * pair (x_j, x_{j+1}). Memory stays bounded: one chunk is encoded and split at a time, and the
 * owner waits for the parties' acks of chunk k−UPLOAD_WINDOW before sending chunk k. Party half
 * (`storeProgram`): write the two share arrays of every tensor under the party's data folder
 * (the layout of src/parties/model-store.ts) in a temporary folder, renamed when complete.
 *
 * 'model/info': names, shapes, ring config and public `meta` of a stored model (no share values);
 * `modelInfo` asks party 0 and checks the architecture description.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ModelFileError } from '../model/errors.js';
import { checkWeightRange } from '../model/weight-range.js';
import type { PartyId } from '../protocols/channel.js';
import { PARTIES } from '../protocols/channel.js';
import { recvU64, sendU64, type ClientLinks } from '../protocols/client-link.js';
import { MpcError } from '../protocols/errors.js';
import { splitShares } from '../protocols/io.js';
import { DEFAULT_RING_CONFIG, ringConfig, type RingConfig } from '../ring/config.js';
import { Prg } from '../ring/prg.js';
import { yieldToLoop } from '../ring/_slices.js';
import { sizeOf } from '../ring/tensor.js';
import { encodeFixed } from '../parties/_fixed.js';
import { TriformClient, type SessionResult } from '../parties/client.js';
import type { PartiesConfig } from '../parties/config.js';
import type { Identity } from '../parties/keys.js';
import { readKeyFile } from '../parties/keys.js';
import type { Logger } from '../parties/log.js';
import { MODEL_FORMAT, modelDir, modelIdSchema, readManifest, shapeSchema, type ModelManifest } from '../parties/model-store.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../parties/permissions.js';
import type { ProgramDef } from '../parties/program-table.js';

/** What share-model stores as the public `meta` of a model. */
export const modelMetaSchema = z.object({
  arch: z.enum(['llama', 'gpt2']),
  config: z.record(z.string(), z.unknown()),
  summary: z.string().optional(),
  /** 'bytes': a synthetic model (share-model --synthetic) whose clients use the byte tokenizer. */
  tokenizer: z.literal('bytes').optional(),
});
export type ModelMeta = z.infer<typeof modelMetaSchema>;

export const storeParams = z
  .object({
    modelId: modelIdSchema,
    tensors: z.array(z.object({ name: z.string().min(1).max(256), shape: shapeSchema }).strict()).min(1).max(100_000),
    chunkElements: z.number().int().min(1).max(16 * 1024 * 1024),
    overwrite: z.boolean().default(false),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.tensors.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['tensors', i, 'name'], message: `duplicate tensor name '${t.name}'` });
      seen.add(t.name);
    });
  });
export type StoreParams = z.infer<typeof storeParams>;

/** Credit window: the client waits for the ack of chunk k−WINDOW before sending chunk k. */
export const UPLOAD_WINDOW = 4;

function writeAll(stream: ReturnType<typeof createWriteStream>, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

function closeStream(stream: ReturnType<typeof createWriteStream>): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** Party half of 'model/store': receive every tensor's two share arrays in chunks and store them. */
export const storeProgram: ProgramDef<StoreParams, { modelId: string; tensors: number; elements: number; bytesWritten: number }> = {
  name: 'model/store',
  description: "store the model owner's shares of named tensors under the party's data folder",
  params: storeParams,
  async run(p, session, params) {
    const final = modelDir(session.dataDir, params.modelId);
    if (existsSync(final) && !params.overwrite) throw new MpcError('MPC_ERR_INPUT', `model '${params.modelId}' already exists at P${p.id} (pass overwrite)`);
    const tmp = `${final}.tmp-${session.id}`;
    await mkdir(tmp, { recursive: true, mode: PRIVATE_DIR_MODE });
    let elements = 0;
    try {
      const entries: ModelManifest['tensors'] = [];
      let chunkNo = 0;
      for (const [k, t] of params.tensors.entries()) {
        const n = sizeOf(t.shape);
        const file = `t${k}`;
        const s0 = createWriteStream(join(tmp, `${file}.s0`), { mode: PRIVATE_FILE_MODE, flags: 'wx' });
        const s1 = createWriteStream(join(tmp, `${file}.s1`), { mode: PRIVATE_FILE_MODE, flags: 'wx' });
        for (let o = 0; o < n || (n === 0 && o === 0); o += params.chunkElements) {
          const len = Math.min(params.chunkElements, n - o);
          const both = await recvU64(session.client, 'model/chunk', 2 * len);
          const bytes = new Uint8Array(both.buffer, both.byteOffset, both.byteLength);
          await writeAll(s0, bytes.subarray(0, 8 * len));
          await writeAll(s1, bytes.subarray(8 * len));
          session.client.send('model/ack', 'u8', new Uint8Array(0));
          chunkNo++;
          if (n === 0) break;
        }
        await Promise.all([closeStream(s0), closeStream(s1)]);
        elements += n;
        entries.push({ name: t.name, shape: [...t.shape], file });
      }
      const ring: RingConfig = p.cfg;
      const manifest: ModelManifest = { format: MODEL_FORMAT, modelId: params.modelId, party: p.id, ring: { ringBits: 64, fracBits: ring.fracBits }, createdAt: new Date().toISOString(), tensors: entries, ...(params.meta ? { meta: params.meta } : {}) };
      await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n', { mode: PRIVATE_FILE_MODE, flag: 'wx' });
      if (existsSync(final)) await rm(final, { recursive: true, force: true });
      await rename(tmp, final);
      session.log.info({ modelId: params.modelId, tensors: entries.length, elements, chunks: chunkNo }, 'model shares stored');
      return { modelId: params.modelId, tensors: entries.length, elements, bytesWritten: 16 * elements };
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  },
};

/** Names, shapes and ring config of a stored model (no share values). */
export const infoProgram: ProgramDef<{ modelId: string }, { modelId: string; ring: ModelManifest['ring']; meta: Record<string, unknown> | null; tensors: { name: string; shape: number[] }[] }> = {
  name: 'model/info',
  description: 'names, shapes and ring config of a stored model',
  params: z.object({ modelId: modelIdSchema }).strict(),
  async run(_p, session, { modelId }) {
    const m = readManifest(session.dataDir, modelId);
    return { modelId, ring: m.ring, meta: m.meta ?? null, tensors: m.tensors.map((t) => ({ name: t.name, shape: t.shape })) };
  },
};

/** Client half of 'model/info': the public description of a stored model, asked of party 0. */
export async function modelInfo(client: TriformClient, modelId: string): Promise<{ meta: ModelMeta; fracBits: number }> {
  const r = await client.run('model/info', { modelId });
  const info = r.results[0] as { meta: unknown; ring: { fracBits: number } };
  const meta = modelMetaSchema.safeParse(info.meta);
  if (!meta.success) throw new MpcError('MPC_ERR_INPUT', `model '${modelId}' has no architecture description (share it with npm run share-model -- --model PATH)`);
  return { meta: meta.data, fracBits: info.ring.fracBits };
}

// ---- client half of 'model/store' ------------------------------------------------------

export interface FloatTensor {
  shape: number[];
  /**
   * The values; or a function that makes them when the tensor's turn comes; or `stream()`, a
   * filler that writes them in order one upload chunk at a time (large synthetic models: no long
   * call that would silence the owner's links).
   */
  data: Float64Array | Float32Array | (() => Float64Array | Float32Array) | { readonly stream: () => (out: Float64Array) => void };
}

const isArray = (d: FloatTensor['data']): d is Float64Array | Float32Array => ArrayBuffer.isView(d);

export interface UploadProgress {
  tensor: string;
  /** Index of the tensor being sent and the tensor count. */
  index: number;
  tensors: number;
  elementsDone: number;
  elementsTotal: number;
}

export interface UploadOptions {
  /** The owner's identity (default: `client.key` next to the config). */
  identity?: Identity;
  /** Reuse a connected client instead of opening one. */
  client?: TriformClient;
  fracBits?: number;
  overwrite?: boolean;
  /** Elements per chunk (default 1 Mi: 8 MiB per share component). */
  chunkElements?: number;
  /** Public model description stored in every party's manifest (JSON). */
  meta?: Record<string, unknown>;
  log?: Logger;
  /** Largest |w| accepted (default WEIGHT_LIMIT, src/model/weight-range.ts). */
  weightLimit?: number;
  /** The checkpoint file, for error messages (default: the model id). */
  source?: string;
}

function checkLength(name: string, shape: number[], length: number): void {
  const n = sizeOf(shape);
  if (length !== n) throw new MpcError('MPC_ERR_INPUT', `tensor '${name}': ${length} values for shape [${shape.join(',')}] (${n})`);
}

/** Secret-share `tensors` to the three parties under `modelId`. Resolves with the session result. */
export async function uploadModel(
  config: PartiesConfig,
  modelId: string,
  tensors: Map<string, FloatTensor>,
  onProgress?: (p: UploadProgress) => void,
  opts: UploadOptions = {},
): Promise<SessionResult<void>> {
  const cfg = opts.fracBits === undefined ? DEFAULT_RING_CONFIG : ringConfig({ fracBits: opts.fracBits });
  const chunkElements = opts.chunkElements ?? 1 << 20;
  const list = [...tensors.entries()];
  let elementsTotal = 0;
  for (const [name, t] of list) {
    const n = sizeOf(t.shape);
    if (isArray(t.data)) {
      checkLength(name, t.shape, t.data.length);
      try {
        checkWeightRange(opts.source ?? modelId, name, t.data, opts.weightLimit); // before anything is sent
      } catch (e) {
        // MODEL_ERR_RANGE / MODEL_ERR_NONFINITE, reported as a bad input of this API
        throw e instanceof ModelFileError ? new MpcError('MPC_ERR_INPUT', `${e.code}: ${e.message}`, { cause: e }) : e;
      }
    }
    elementsTotal += n;
  }
  const params: StoreParams = { modelId, tensors: list.map(([name, t]) => ({ name, shape: [...t.shape] })), chunkElements, overwrite: opts.overwrite ?? false, ...(opts.meta ? { meta: opts.meta } : {}) };
  const client = opts.client ?? (await TriformClient.connect({ config, identity: opts.identity ?? readKeyFile(resolve(config.dir, 'client.key')), ...(opts.log ? { log: opts.log } : {}) }));
  const prg = Prg.random();
  const handler = async (links: ClientLinks): Promise<void> => {
    let sent = 0;
    let acked = 0;
    let done = 0;
    const awaitAck = async () => {
      await Promise.all(PARTIES.map((j: PartyId) => links[j].recv('model/ack', 'u8', 0)));
      acked++;
    };
    for (const [index, [name, t]] of list.entries()) {
      const n = sizeOf(t.shape);
      const d = t.data;
      const data = isArray(d) ? d : typeof d === 'function' ? d() : null;
      const fill = isArray(d) || typeof d === 'function' ? null : { next: d.stream(), buf: new Float64Array(Math.min(chunkElements, n)) };
      if (data) checkLength(name, t.shape, data.length);
      for (let o = 0; o < n || (n === 0 && o === 0); o += chunkElements) {
        const len = Math.min(chunkElements, n - o);
        let src: Float64Array | Float32Array;
        if (fill) {
          src = fill.buf.subarray(0, len);
          fill.next(src);
        } else src = (data as Float64Array | Float32Array).subarray(o, o + len);
        const enc = encodeFixed(src instanceof Float64Array ? src : Float64Array.from(src), cfg, name);
        const shares = splitShares(enc, prg);
        while (sent - acked >= UPLOAD_WINDOW) await awaitAck();
        for (const j of PARTIES) {
          await yieldToLoop(); // macrotasks between the steps of a chunk: the links' timers and frames run
          const both = new BigUint64Array(2 * len);
          both.set(shares[j][0], 0);
          both.set(shares[j][1], len);
          sendU64(links[j], 'model/chunk', both);
        }
        sent++;
        await Promise.all(links.map((l) => l.flush()));
        await yieldToLoop();
        done += len;
        onProgress?.({ tensor: name, index, tensors: list.length, elementsDone: done, elementsTotal });
        if (n === 0) break;
      }
    }
    while (acked < sent) await awaitAck();
  };
  try {
    return await client.run('model/store', params, handler, { fracBits: cfg.fracBits });
  } finally {
    if (!opts.client) client.close();
  }
}
