/**
 * `npm run test:big` (not in `npm test`): a GPT-2-base-shaped model (seeded synthetic weights,
 * 124 M parameters, ≈ 1.9 GB of shares per party) shared with three real party processes by the
 * `share-model --synthetic gpt2-base` CLI, and a session run right after, so each party loads its
 * shares from disk during that session (issue #14: the first `infer` after sharing timed out).
 * Asserts: the session succeeds with logits of the vocabulary's size close to the plaintext
 * model's; no heartbeat or handshake timeout anywhere; every party's loading progress reached
 * the client, rate-limited and monotone, and its event loop never waited long (the delay each
 * party measured while loading). Prints times, peak RSS and the progress lines. Skips, saying
 * why, when the machine lacks the free memory.
 *
 * The session used to fail right after the load (`MPC_ERR_TIMEOUT: P… silent`): copying a
 * weight into the wasm arena (3.3 s for wte) and the embedding's [3,50257]·[50257,768] product
 * (≈ 2.5 s per party) held a party's event loop past the 5 s heartbeat. Both now run in slices
 * that yield to the event loop (src/ring/_slices.ts); passed in 3 min on 2 busy cores (loading
 * 17 s per party, event-loop delay ≤ 243 ms while loading). The load-phase checks still run
 * first, whatever the session's outcome; the session's own success is asserted last.
 * TRIFORM_BIG_HEARTBEAT_MS changes the heartbeat.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSession } from '../../src/model/arch/causal-lm.js';
import { Gpt2 } from '../../src/model/arch/gpt2.js';
import { MODEL_SHAPES, syntheticWeights } from '../../src/model/arch/model-shapes.js';
import { PlainOps } from '../../src/model/arch/plain-ops.js';
import type { PartyId } from '../../src/protocols/channel.js';
import { TriformClient } from '../../src/parties/client.js';
import { describeProgress, PROGRESS_INTERVAL_MS, type LoadStatus } from '../../src/parties/load-progress.js';
import { REPO_ROOT, type PartyProcess } from '../../src/parties/local-cluster.js';
import { Deferred } from '../../src/parties/mailbox.js';
import { generateRemote } from '../../src/programs/generate.js';
import { DEFAULT_RING_CONFIG } from '../../src/ring/config.js';
import { WAIT_MS, startPartyProcesses, stopPartyProcesses, type Setup } from '../parties/helpers.js';

const GB = 2 ** 30;
/** Three parties holding ≈ 2 GB each, the share-model CLI, and the plaintext model here (1 GB). */
const NEED_GB = Number(process.env.TRIFORM_BIG_MIN_FREE_GB ?? 9);
const freeGb = freemem() / GB;
const enough = freeGb >= NEED_GB;
const why = `needs ${NEED_GB} GiB of free memory, ${freeGb.toFixed(1)} GiB free (TRIFORM_BIG_MIN_FREE_GB overrides)`;
if (!enough) console.warn(`[tests/big] SKIPPING gpt2-base load test: ${why}`);

/** The heartbeat timeout users get (parties.json default): the one the issue's first infer hit. */
const HB = Number(process.env.TRIFORM_BIG_HEARTBEAT_MS ?? 5000);
/** Longest event-loop delay allowed while a party loads (issue #14 aims at ~100 ms; 2 shared cores). */
const MAX_LOAD_DELAY_MS = 1000;
const TIMEOUT_RE = /MPC_ERR_TIMEOUT|silent for \d+ ms|did not complete within/;
const shape = MODEL_SHAPES['gpt2-base'];
const PROMPT = [3, 72, 105]; // byte tokenizer: "Hi" after a start byte

/** Peak resident set of a process (Linux /proc; null elsewhere). */
function peakRssGb(pid: number | undefined): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (Number(m[1]) * 1024) / GB : null;
  } catch {
    return null;
  }
}

function shareModel(configPath: string): Promise<{ code: number | null; stdout: string; stderr: string; peakGb: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/share-model.ts'), '--synthetic', 'gpt2-base', '--config', configPath, '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakGb: number | null = null;
    const poll = setInterval(() => (peakGb = peakRssGb(child.pid) ?? peakGb), 1000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, peakGb });
    });
  });
}

describe.skipIf(!enough)(enough ? 'gpt2-base: share, then a session that loads 1.9 GB of shares per party' : `gpt2-base load [SKIPPED: ${why}]`, () => {
  let setup: Setup;
  let procs: PartyProcess[] = [];
  let client: TriformClient | undefined;
  const t0 = performance.now();
  const secs = () => ((performance.now() - t0) / 1000).toFixed(1);

  beforeAll(async () => {
    ({ setup, procs } = await startPartyProcesses({ heartbeatTimeoutMs: HB }));
  });

  afterAll(() => stopPartyProcesses(client, procs, setup)); // keys, config and the parties' data folders (the shares) go too

  it('the session right after share-model succeeds; progress arrives, monotone; no timeouts; the event loop stays responsive', async () => {
    const shared = await shareModel(setup.configPath);
    if (shared.code !== 0) throw new Error(`share-model exited ${shared.code}:\n${shared.stdout.slice(-1000)}\n${shared.stderr.slice(-2000)}`);
    const stored = JSON.parse(shared.stdout.trim().split('\n').at(-1) as string) as { ok: boolean; elements: number; ms: number };
    expect(stored.ok).toBe(true);
    console.log(`[big] share-model --synthetic gpt2-base: ${stored.elements.toLocaleString('en-US')} parameters in ${(stored.ms / 1000).toFixed(1)} s, peak RSS ${shared.peakGb?.toFixed(2) ?? '?'} GiB (t = ${secs()} s)`);

    const tSession = performance.now();
    client = await TriformClient.connect({ config: setup.config, identity: setup.client });
    const got: LoadStatus[][] = [[], [], []];
    const finished = [0, 1, 2].map(() => new Deferred<void>());
    const onProgress = (j: PartyId, p: LoadStatus) => {
      got[j].push(p);
      if (got[j].length % 20 === 1 || p.done === p.total) console.log(`[big +${((performance.now() - tSession) / 1000).toFixed(1)} s] ${describeProgress(j, p)}`);
      if (p.done === p.total) finished[j].resolve();
    };
    let logits: Float64Array | null = null;
    const run = generateRemote(client, 'gpt2-base', PROMPT, {
      maxNewTokens: 1,
      vocabSize: shape.config.vocabSize,
      contextLength: shape.config.nPositions,
      ring: DEFAULT_RING_CONFIG,
      onProgress,
      onLogits: (l) => (logits = Float64Array.from(l)),
    }).then(
      (r) => ({ r, err: null }),
      (err: unknown) => ({ r: null, err: err as Error }),
    );
    // the load phase first (every party's last progress message, or the session's end): a session
    // failure after it must not hide what the load did
    await Promise.race([Promise.all(finished.map((d) => d.promise)), run]);
    const loaded = await Promise.all(procs.map((p) => p.waitFor(/model 'gpt2-base' loaded/, WAIT_MS)));
    const loadLines = procs.map((p, j) => p.lines.slice(0, p.lines.indexOf(loaded[j])));

    // progress: from every party, monotone, rate-limited, ending in a full load (not cached)
    const rss = () => procs.map((p) => peakRssGb(p.child.pid));
    for (const [j, msgs] of got.entries()) {
      expect(msgs.length, `progress messages from P${j}`).toBeGreaterThanOrEqual(2);
      for (let k = 1; k < msgs.length; k++) {
        expect(msgs[k].done).toBeGreaterThanOrEqual(msgs[k - 1].done);
        expect(msgs[k].bytesDone).toBeGreaterThanOrEqual(msgs[k - 1].bytesDone);
        expect(msgs[k].ms).toBeGreaterThanOrEqual(msgs[k - 1].ms);
      }
      const last = msgs.at(-1) as LoadStatus;
      expect(last.cached).toBeUndefined();
      expect(last.done).toBe(last.total);
      expect(last.bytesTotal).toBeGreaterThan(1.8e9);
      expect(msgs.length).toBeLessThanOrEqual(3 + last.ms / PROGRESS_INTERVAL_MS);
      // the largest event-loop delay while loading: far below any heartbeat timeout
      expect(last.maxDelayMs).toBeLessThan(MAX_LOAD_DELAY_MS);
    }

    // no heartbeat or handshake timeout at the parties while they loaded, nor in share-model
    for (const [j, lines] of loadLines.entries()) expect(lines.filter((l) => TIMEOUT_RE.test(l)), `P${j} log until loaded`).toEqual([]);
    expect(shared.stderr).not.toMatch(TIMEOUT_RE);

    const { r, err } = await run;
    const sessionS = (performance.now() - tSession) / 1000;
    const finals = got.map((m) => m.at(-1) as LoadStatus);
    console.log(`[big] session (load + prefill of ${PROMPT.length} tokens + 1 token): ${sessionS.toFixed(1)} s; progress messages per party: ${got.map((m) => m.length).join(', ')}`);
    console.log(`[big] load per party: ${finals.map((f, j) => `P${j} ${(f.ms / 1000).toFixed(1)} s, event loop delay ≤ ${f.maxDelayMs} ms`).join('; ')}`);
    console.log(`[big] peak RSS per party: ${rss().map((g, j) => `P${j} ${g?.toFixed(2) ?? '?'} GiB`).join(', ')}`);
    if (err) console.log(`[big] session failed after the load: ${err.message}`);

    // the session itself: no timeout anywhere, logits of the vocabulary's size
    expect(err?.message ?? null).toBeNull();
    for (const p of procs) expect(p.lines.filter((l) => TIMEOUT_RE.test(l)), `P${p.id} log`).toEqual([]);
    expect(r?.local.tokens).toHaveLength(1);
    expect(logits).not.toBeNull();
    const secure = logits as unknown as Float64Array;
    expect(secure.length).toBe(shape.config.vocabSize);
    expect(secure.every(Number.isFinite)).toBe(true);

    // the same synthetic weights in plaintext (float64): the secure logits follow them
    const ops = new PlainOps();
    const plain = await ops.reveal(await newSession(new Gpt2(ops, syntheticWeights(shape, 1))).prefill(PROMPT));
    let maxErr = 0;
    let scale = 0;
    for (let i = 0; i < plain.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(plain[i] - secure[i]));
      scale = Math.max(scale, Math.abs(plain[i]));
    }
    const argmax = (x: Float64Array) => x.reduce((b, v, i) => (v > x[b] ? i : b), 0);
    console.log(`[big] secure vs plaintext logits: max |Δ| ${maxErr.toFixed(4)} (max |logit| ${scale.toFixed(3)}), argmax ${argmax(secure)} vs ${argmax(plain)}; total ${secs()} s`);
    expect(maxErr).toBeLessThan(0.1 * scale + 0.05);
  });
});
