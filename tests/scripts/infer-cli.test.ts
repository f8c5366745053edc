/**
 * The `npm run infer` entry point as a user runs it: --in-process --json on stories260K gives
 * the greedy continuation and the documented JSON fields; bad options fail with a clear message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/parties/local-cluster.js';

const MODELS = process.env.TRIFORM_MODELS_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'models');
const BIN = join(MODELS, 'stories260K', 'stories260K.bin');
const have = existsSync(BIN);
if (!have) console.warn(`[tests/scripts] SKIPPING infer CLI on stories260K: ${BIN} not found (see README.md, "Models for tests")`);

function infer(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/infer.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

describe('npm run infer', () => {
  it.skipIf(!have)(`--in-process --json on stories260K${have ? '' : ' [SKIPPED: ../shared/models not found]'}`, () => {
    const r = infer(['--in-process', '--json', '--prompt', 'Once upon a time', '--max-tokens', '8'], { TRIFORM_MODEL: BIN });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    expect(out.text).toBe(', there was a little girl');
    expect(out.promptTokens).toBe(5);
    expect(out.newTokens).toBe(8);
    const c = out.costPerToken as { bytesPerParty: number; offlineBytesPerParty: number; rounds: number; ms: number };
    expect(c.bytesPerParty).toBeGreaterThan(0);
    expect(c.offlineBytesPerParty).toBeGreaterThan(0); // dealer material and truncation tuples, reported apart
    const total = out.total as { bytesPerParty: number; offlineBytesPerParty: number };
    expect(total.offlineBytesPerParty).toBeGreaterThan(c.offlineBytesPerParty);
    expect(c.rounds).toBeGreaterThan(0);
    expect(c.ms).toBeGreaterThanOrEqual(0);
  });

  it.skipIf(!have)(`the tuple pool is on by default, --no-tuple-pool turns it off: same text, fewer offline bytes${have ? '' : ' [SKIPPED: ../shared/models not found]'}`, () => {
    const run = (extra: string[]) => {
      const r = infer(['--in-process', '--json', '--prompt', 'Once upon a time', '--max-tokens', '4', ...extra], { TRIFORM_MODEL: BIN });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { text: string; total: { offlineBytesPerParty: number } };
    };
    const pooled = run([]);
    const plain = run(['--no-tuple-pool']);
    expect(pooled.text).toBe(plain.text);
    // the pool makes each decode step's tuples at its start with ≈ 1/8 headroom: more offline bytes, the same online ones
    expect(pooled.total.offlineBytesPerParty).toBeGreaterThan(plain.total.offlineBytesPerParty);
  });

  it('rejects bad options with a message and exit code 2', () => {
    const r = infer(['--in-process', '--max-tokens', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--max-tokens/);
    const m = infer(['--in-process', '--mode', 'token', '--temperature', '0.8']);
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/greedily/);
  });

  it('a missing model file is reported, not a stack trace', () => {
    const r = infer(['--in-process', '--json', '--model', '/nonexistent/model.bin', '--prompt', 'x']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.trim()).error.message).toMatch(/model not found: \/nonexistent\/model.bin/);
  });
});
