/**
 * Model-owner upload: fixed-point encode named float tensors, secret-share them chunk by chunk
 * (the owner's own CSPRNG-seeded PRG) and send each party its pair (x_j, x_{j+1}); the parties
 * store them (program 'model/store'). Memory stays bounded: one chunk is encoded and split at a
 * time, and the owner waits for the parties' acks of chunk k−4 before sending chunk k.
 */
import { resolve } from 'node:path';
import type { PartyId } from '../protocols/channel.js';
import { PARTIES } from '../protocols/channel.js';
import { MpcError } from '../protocols/errors.js';
import { splitShares } from '../protocols/io.js';
import { DEFAULT_RING_CONFIG, ringConfig } from '../ring/config.js';
import { Prg } from '../ring/prg.js';
import { yieldToLoop } from '../ring/_slices.js';
import { sizeOf } from '../ring/tensor.js';
import { encodeFixed } from './_fixed.js';
import { TriformClient, type SessionResult } from './client.js';
import type { ClientSession } from './client-session.js';
import type { PartiesConfig } from './config.js';
import type { Identity } from './keys.js';
import { readKeyFile } from './keys.js';
import type { Logger } from './log.js';
import { UPLOAD_WINDOW, type StoreParams } from './model-store.js';
import { checkWeightRange } from '../model/weight-range.js';
import { ModelFileError } from '../model/errors.js';

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
  const handler = async (s: ClientSession): Promise<void> => {
    let sent = 0;
    let acked = 0;
    let done = 0;
    const awaitAck = async () => {
      await Promise.all(PARTIES.map((j: PartyId) => s.recvBytes(j, 'model/ack', 0)));
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
          s.sendU64(j, 'model/chunk', both);
        }
        sent++;
        await s.flush();
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
