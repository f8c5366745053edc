/**
 * Downloading the small public checkpoints a new user needs (`npm run get-model`, and the demo
 * when nothing is on disk): each file goes to `<name>.part` first, an interrupted download
 * resumes with an HTTP Range request, the finished file must match its pinned SHA-256 before it
 * is renamed into place, and every failure says what went wrong and what to do.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { modelsCacheDir } from '../src/model/formats/checkpoint.js';

export interface RemoteFile {
  /** Path under the base URL, and (its last part) the file name on disk. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface KnownModel {
  readonly name: string;
  readonly description: string;
  readonly baseUrl: string;
  /** The checkpoint first, then its tokenizer. */
  readonly files: readonly RemoteFile[];
}

export const KNOWN_MODELS: Record<string, KnownModel> = {
  stories260K: {
    name: 'stories260K',
    description: 'TinyStories 260K-parameter LLaMA (llama2.c format) and its 512-token vocabulary; karpathy/tinyllamas, MIT',
    baseUrl: 'https://huggingface.co/karpathy/tinyllamas/resolve/main',
    files: [
      { path: 'stories260K/stories260K.bin', sha256: 'b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696', bytes: 1_056_540 },
      { path: 'stories260K/tok512.bin', sha256: '037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312', bytes: 6_227 },
    ],
  },
};

export const KNOWN_MODEL_NAMES = Object.keys(KNOWN_MODELS);

/** A download failure with what to do about it; `code` is stable. */
export class FetchError extends Error {
  constructor(
    readonly code: 'FETCH_ERR_OFFLINE' | 'FETCH_ERR_HTTP' | 'FETCH_ERR_CHECKSUM' | 'FETCH_ERR_STALLED' | 'FETCH_ERR_IO',
    message: string,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchOptions {
  /** Where to put the files (default: the models cache folder / name). */
  dir?: string;
  /** Another server with the same layout (tests, mirrors); default the model's public source. */
  baseUrl?: string;
  /** Give up when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Progress and notes for humans. */
  log?: (msg: string) => void;
  onBytes?: (file: string, done: number, total: number) => void;
}

export interface FetchedFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** 'present': already there and verified; 'downloaded'; 'resumed': continued a .part file. */
  readonly how: 'present' | 'downloaded' | 'resumed';
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

const fileName = (f: RemoteFile): string => f.path.split('/').pop() as string;

function explainNetwork(e: unknown, url: string): FetchError {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code ?? '';
  const host = new URL(url).host;
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|ECONNRESET|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT/.test(code)) {
    return new FetchError('FETCH_ERR_OFFLINE', `cannot reach ${host} (${code}): offline or blocked`);
  }
  return new FetchError('FETCH_ERR_OFFLINE', `download of ${url} failed: ${cause?.message ?? (e as Error).message}`);
}

/** Download one file into dir (resuming `<file>.part`), verify it, rename it into place. */
async function fetchFile(f: RemoteFile, baseUrl: string, dir: string, o: FetchOptions): Promise<FetchedFile> {
  const dest = join(dir, fileName(f));
  if (existsSync(dest)) {
    const sha = await sha256Of(dest);
    if (sha === f.sha256) return { path: dest, bytes: statSync(dest).size, sha256: sha, how: 'present' };
    o.log?.(`${dest} does not match its SHA-256 (${sha.slice(0, 12)}…, want ${f.sha256.slice(0, 12)}…): downloading it again`);
    rmSync(dest);
  }
  const part = `${dest}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  const url = `${baseUrl.replace(/\/$/, '')}/${f.path}`;
  const ac = new AbortController();
  const idleMs = o.idleTimeoutMs ?? 30_000;
  let idle = setTimeout(() => ac.abort(), idleMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => ac.abort(), idleMs);
  };
  let res: Response;
  try {
    res = await fetch(url, { headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal: ac.signal, redirect: 'follow' });
  } catch (e) {
    clearTimeout(idle);
    if (ac.signal.aborted) throw new FetchError('FETCH_ERR_STALLED', `no answer from ${new URL(url).host} within ${idleMs / 1000} s`);
    throw explainNetwork(e, url);
  }
  const resumed = res.status === 206 && have > 0;
  if (!res.ok || !res.body) {
    clearTimeout(idle);
    if (res.status === 416 && have > 0) rmSync(part); // our partial file is longer than the remote one: start over next time
    throw new FetchError('FETCH_ERR_HTTP', `HTTP ${res.status} ${res.statusText} for ${url}`);
  }
  if (have > 0 && !resumed) o.log?.(`the server ignored the resume request for ${fileName(f)}: downloading it whole`);
  else if (resumed) o.log?.(`resuming ${fileName(f)} at ${have} of ${f.bytes} bytes`);
  let done = resumed ? have : 0;
  const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    touch();
    done += chunk.length;
    o.onBytes?.(fileName(f), done, f.bytes);
  });
  const file = createWriteStream(part, { flags: resumed ? 'a' : 'w' });
  try {
    await pipeline(body, file);
  } catch (e) {
    // pipeline rejects as soon as the body fails, while the file stream may still be finishing a
    // write: wait until it has closed, so that no byte lands in the .part file after we return
    // (a run that resumes at once would otherwise append after a size read too early: corrupt)
    if (!file.closed) await new Promise<void>((r) => file.once('close', () => r()));
    if (ac.signal.aborted) throw new FetchError('FETCH_ERR_STALLED', `the download of ${fileName(f)} stalled for ${idleMs / 1000} s at ${done} of ${f.bytes} bytes; run again to resume`);
    const err = explainNetwork(e, url);
    throw new FetchError(err.code, `${err.message}; ${done} of ${f.bytes} bytes of ${fileName(f)} kept: run again to resume`);
  } finally {
    clearTimeout(idle);
  }
  const sha = await sha256Of(part);
  if (sha !== f.sha256) {
    rmSync(part);
    throw new FetchError('FETCH_ERR_CHECKSUM', `${fileName(f)} from ${url} has SHA-256 ${sha}, expected ${f.sha256}: the download is corrupt or the file changed upstream (deleted; run again, or fetch it by hand and compare)`);
  }
  renameSync(part, dest);
  return { path: dest, bytes: statSync(dest).size, sha256: sha, how: resumed ? 'resumed' : 'downloaded' };
}

/** Fetch every file of a known model; resolves with the checkpoint path first. */
export async function fetchModel(name: string, o: FetchOptions = {}): Promise<FetchedFile[]> {
  const m = KNOWN_MODELS[name];
  if (!m) throw new FetchError('FETCH_ERR_HTTP', `unknown model '${name}' (known: ${KNOWN_MODEL_NAMES.join(', ')})`);
  const dir = o.dir ?? join(modelsCacheDir(), name);
  const existed = existsSync(dir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new FetchError('FETCH_ERR_IO', `cannot create ${dir}: ${(e as Error).message}`);
  }
  const out: FetchedFile[] = [];
  try {
    for (const f of m.files) out.push(await fetchFile(f, o.baseUrl ?? process.env.TRIFORM_MODELS_URL ?? m.baseUrl, dir, o));
  } catch (e) {
    // offline or refused before a byte arrived: leave no empty folder behind (partial .part files stay, to resume)
    if (!existed && readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return out;
}
