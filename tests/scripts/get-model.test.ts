/**
 * `npm run get-model` against a local HTTP server that this test starts, serving the real files
 * of ../shared/models (with Range support, like Hugging Face's CDN): a fresh download verified by
 * SHA-256, a resumed one after the connection drops mid-file, a corrupt file rejected and deleted,
 * an unreachable server explained (leaving no empty folder), and the CLI end to end.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel, FetchError, KNOWN_MODELS } from '../../scripts/fetch-model.js';
import { REPO_ROOT } from '../../src/parties/local-cluster.js';

const MODELS = process.env.TRIFORM_MODELS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'models');
const have = existsSync(join(MODELS, 'stories260K', 'stories260K.bin'));
if (!have) console.warn(`[tests/scripts] SKIPPING get-model tests: ${MODELS} not found (see README.md, "Models for tests")`);

/** What the server does to the next requests: serve, drop after N bytes, or serve garbage. */
let mode: { kind: 'ok' } | { kind: 'drop'; after: number } | { kind: 'corrupt' } = { kind: 'ok' };
const ranges: string[] = [];
let server: Server;
let base = '';
let tmp = '';

beforeAll(async () => {
  if (!have) return;
  tmp = mkdtempSync(join(tmpdir(), 'triform-get-model-'));
  server = createServer((req, res) => {
    const file = join(MODELS, decodeURIComponent(req.url ?? '').replace(/^\/+/, ''));
    if (!file.startsWith(MODELS) || !existsSync(file)) return void res.writeHead(404).end();
    let body = readFileSync(file);
    if (mode.kind === 'corrupt') body = Buffer.from(body.map((b) => b ^ 1));
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) ranges.push(req.headers.range as string);
    const start = range ? Number(range[1]) : 0;
    res.writeHead(range ? 206 : 200, { 'content-length': body.length - start, ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (mode.kind === 'drop') {
      // send part of the body, then close the connection gracefully (FIN after the data): the client sees it end early
      res.write(body.subarray(start, start + mode.after), () => res.socket?.end());
    } else res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const m = KNOWN_MODELS.stories260K;

describe.skipIf(!have)(`get-model${have ? '' : ' [SKIPPED: ../shared/models not found]'}`, () => {
  it('downloads the checkpoint and tokenizer, verified by SHA-256; a second run finds them present', async () => {
    mode = { kind: 'ok' };
    const dir = join(tmp, 'fresh');
    const files = await fetchModel('stories260K', { dir, baseUrl: base });
    expect(files.map((f) => f.how)).toEqual(['downloaded', 'downloaded']);
    files.forEach((f, i) => {
      expect(f.sha256).toBe(m.files[i].sha256);
      expect(statSync(f.path).size).toBe(m.files[i].bytes);
      expect(readFileSync(f.path).equals(readFileSync(join(MODELS, m.files[i].path)))).toBe(true);
    });
    expect((await fetchModel('stories260K', { dir, baseUrl: base })).map((f) => f.how)).toEqual(['present', 'present']);
  });

  it('a dropped connection keeps the partial file, and the next run resumes it with a Range request', async () => {
    const dir = join(tmp, 'resume');
    mode = { kind: 'drop', after: 300_000 };
    const err = (await fetchModel('stories260K', { dir, baseUrl: base }).catch((e: unknown) => e)) as FetchError;
    expect(err).toBeInstanceOf(FetchError);
    expect(err.message).toMatch(/run again to resume/);
    const part = join(dir, 'stories260K.bin.part');
    // what reached the disk before the error: up to 300000 bytes (the stream drops what it had
    // buffered when the connection errors, so under load it can be less)
    const kept = statSync(part).size;
    expect(kept).toBeLessThanOrEqual(300_000);
    mode = { kind: 'ok' };
    ranges.length = 0;
    const files = await fetchModel('stories260K', { dir, baseUrl: base });
    if (kept > 0) {
      expect(ranges).toContain(`bytes=${kept}-`);
      expect(files[0].how).toBe('resumed');
    } else expect(files[0].how).toBe('downloaded');
    expect(files[0].sha256).toBe(m.files[0].sha256);
    expect(existsSync(part)).toBe(false);
  });

  it('a corrupt download fails the SHA-256 check and is deleted; a corrupt file on disk is fetched again', async () => {
    const dir = join(tmp, 'corrupt');
    mode = { kind: 'corrupt' };
    const err = (await fetchModel('stories260K', { dir, baseUrl: base }).catch((e: unknown) => e)) as FetchError;
    expect(err.code).toBe('FETCH_ERR_CHECKSUM');
    expect(err.message).toMatch(/expected b0a507e7/);
    expect(existsSync(join(dir, 'stories260K.bin'))).toBe(false);
    expect(existsSync(join(dir, 'stories260K.bin.part'))).toBe(false);
    expect(existsSync(dir)).toBe(false); // the folder it made, now empty, went too
    mode = { kind: 'ok' };
    mkdirSync(dir);
    writeFileSync(join(dir, 'stories260K.bin'), 'not a model');
    const notes: string[] = [];
    const files = await fetchModel('stories260K', { dir, baseUrl: base, log: (s) => notes.push(s) });
    expect(files[0].how).toBe('downloaded');
    expect(notes.join('\n')).toMatch(/does not match its SHA-256/);
  });

  it('an unreachable server or a missing file is explained', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const down = (await fetchModel('stories260K', { dir: join(tmp, 'down'), baseUrl: `http://127.0.0.1:${port}` }).catch((e: unknown) => e)) as FetchError;
    expect(down.code).toBe('FETCH_ERR_OFFLINE');
    expect(down.message).toBe(`cannot reach 127.0.0.1:${port} (ECONNREFUSED): offline or blocked`);
    expect(existsSync(join(tmp, 'down'))).toBe(false); // no empty model folder left behind
    const missing = (await fetchModel('stories260K', { dir: join(tmp, 'nf'), baseUrl: `${base}/nowhere` }).catch((e: unknown) => e)) as FetchError;
    expect(missing.message).toMatch(/HTTP 404/);
  });

  it('the CLI: --json names the files; the default folder is the models cache ($TRIFORM_CACHE)', async () => {
    mode = { kind: 'ok' };
    const cache = join(tmp, 'cache');
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/get-model.ts'), 'stories260K', '--from', base, '--json'], { cwd: REPO_ROOT, env: { ...process.env, TRIFORM_CACHE: cache }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; files: { path: string }[] };
    expect(out.ok).toBe(true);
    expect(out.files.map((f) => f.path)).toEqual([join(cache, 'stories260K', 'stories260K.bin'), join(cache, 'stories260K', 'tok512.bin')]);
  }, 30_000);
});
