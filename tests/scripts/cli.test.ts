/**
 * One CLI behaviour for every npm script: `--help` prints usage and exits 0 without running
 * anything (no benchmark, no docs/ rewrite); mistakes (a typo, a negative count, a bad enum, a
 * stray argument, a forgotten `--`) print one line and exit 2, never a stack trace. The wording
 * is checked in-process on the shared parser; each script's wiring by spawning it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { command, float, int, oneOf, parse } from '../../scripts/cli.js';
import { REPO_ROOT } from '../../src/parties/local-cluster.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
/** npm script name → its entry file (every script that runs a scripts/*.ts file). */
const ENTRIES = Object.entries(pkg.scripts)
  .map(([name, cmd]) => [name, /tsx (scripts\/\S+\.ts)/.exec(cmd)?.[1]] as const)
  .filter((e): e is readonly [string, string] => e[1] !== undefined);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, file), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** At most `n` at once (the suite runs other files in parallel). */
async function limited<T, R>(xs: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await f(xs[i]);
    }
  }));
  return out;
}

const STACK = /\n\s+at .+:\d+:\d+/;

describe('the shared parser (scripts/cli.ts)', () => {
  const exits: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    exits.length = 0;
  });
  /** Parse args with process.exit and stderr captured; returns [exit code, stderr]. */
  function tryParse(args: string[], env: Record<string, string> = {}): [number | undefined, string] {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (exits.push(String(s)), true));
    vi.spyOn(process, 'exit').mockImplementation(((c: number) => {
      throw Object.assign(new Error('exit'), { exitCode: c });
    }) as never);
    const cmd = command('infer', 'test')
      .option('--prompt <text>', 'the prompt', '')
      .option('--max-tokens <n>', 'count', int({ min: 1 }), 32)
      .option('--top-p <p>', 'mass', float({ above: 0, max: 1 }), 0.9)
      .option('--mode <m>', 'mode', oneOf(['logits', 'token'] as const), 'logits');
    try {
      parse(cmd, args);
      return [undefined, exits.join('')];
    } catch (e) {
      return [(e as { exitCode?: number }).exitCode, exits.join('')];
    } finally {
      process.env = saved;
    }
  }

  it('suggests the right option for a typo and exits 2', () => {
    expect(tryParse(['--promt', 'x'])).toEqual([2, 'infer: unknown option --promt (did you mean --prompt?)\nrun `npm run infer -- --help` for usage\n']);
  });
  it('rejects negative or zero counts, out-of-range numbers and bad enum values with the rule and the value', () => {
    expect(tryParse(['--max-tokens', '-3'])[1]).toMatch(/^infer: --max-tokens must be an integer ≥ 1, got '-3'\n/);
    expect(tryParse(['--max-tokens', '2.5'])[1]).toMatch(/--max-tokens must be an integer ≥ 1, got '2.5'/);
    expect(tryParse(['--top-p', '0'])[1]).toMatch(/--top-p must be a number > 0 and ≤ 1, got '0'/);
    expect(tryParse(['--mode', 'loud'])).toEqual([2, expect.stringMatching(/--mode must be one of logits, token, got 'loud'/)]);
    expect(tryParse(['--prompt'])[1]).toMatch(/--prompt needs a value/);
  });
  it('a stray argument, and options npm took for itself (a missing `--`), are explained', () => {
    expect(tryParse(['hello'])[1]).toMatch(/unexpected argument 'hello': options start with --/);
    const [code, err] = tryParse(['hello'], { npm_lifecycle_event: 'infer', npm_config_prompt: 'true' });
    expect(code).toBe(2);
    expect(err).toMatch(/npm took --prompt for itself: put `--` before the script's options \(npm run infer -- --prompt …\)/);
  });
  it('valid options parse to typed values', () => {
    expect(tryParse(['--max-tokens', '4', '--top-p', '0.5', '--mode', 'token'])[0]).toBeUndefined();
  });
});

describe('every npm script', () => {
  it(`parses its options with the shared parser before doing anything (${ENTRIES.map((e) => e[0]).join(', ')})`, () => {
    expect(ENTRIES.length).toBeGreaterThanOrEqual(15);
    for (const [name, file] of ENTRIES) {
      const src = readFileSync(join(REPO_ROOT, file), 'utf8');
      expect(src, name).toMatch(/from '\.\/cli\.js'/);
      expect(src, name).toMatch(new RegExp(`command\\('${name}'`));
      expect(src, name).not.toMatch(/parseArgs|process\.argv/);
    }
  });

  it('--help prints usage and exits 0 without running anything (the benchmarks, infer, get-model)', async () => {
    const approxMd = join(REPO_ROOT, 'docs', 'approx.md');
    const before = statSync(approxMd).mtimeMs;
    const names = ['bench:approx', 'bench:ring', 'infer', 'get-model'];
    const runs = await limited(names, 2, (n) => run(ENTRIES.find((e) => e[0] === n)?.[1] as string, ['--help']));
    runs.forEach((r, i) => {
      expect(r.code, `${names[i]}: ${r.stderr}`).toBe(0);
      expect(r.stdout, names[i]).toMatch(new RegExp(`^Usage: npm run ${names[i]} -- `));
      expect(r.stdout, names[i]).toMatch(/-h, --help/);
      expect(r.stderr, names[i]).not.toMatch(STACK);
    });
    expect(statSync(approxMd).mtimeMs).toBe(before);
  }, 60_000);

  it('typos and bad values exit 2 with one clear line and no stack trace', async () => {
    const cases: [string, string[], RegExp][] = [
      ['scripts/keys.ts', ['--forse'], /^keys: unknown option --forse \(did you mean --force\?\)/],
      ['scripts/selftest.ts', ['--log-level', 'loud'], /^selftest: --log-level must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'/],
      ['scripts/share-model.ts', ['--synthetic', 'llama-tiny', '--frac-bits', '0'], /^share-model: --frac-bits must be an integer ≥ 8 and ≤ 24, got '0'/],
    ];
    const runs = await limited(cases, 2, ([file, args]) => run(file, args));
    runs.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(cases[i][2]);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stdout).toBe('');
    });
  }, 60_000);
});

describe('runMain', () => {
  it('exits only after a long stdout line is written out (a JSON result over the 64 KiB of a pipe)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'triform-runmain-'));
    try {
      const file = join(dir, 'long-line.ts');
      writeFileSync(file, `import { runMain } from ${JSON.stringify(join(REPO_ROOT, 'scripts/cli.ts'))};\nrunMain('long', async () => { console.log(JSON.stringify({ x: 'y'.repeat(300_000) })); });\n`);
      const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        // through the tsx CLI, as `npm run` scripts start: its parent node leaves the shared pipe
        // non-blocking, so the child's writes can be queued (a direct `node` child writes it whole)
        const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), file], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('close', (code) => resolve({ code, stdout }));
      });
      expect(out.code).toBe(0);
      expect(out.stdout.length).toBe(300_000 + 9); // {"x":"…"} and the newline
      expect(JSON.parse(out.stdout).x.length).toBe(300_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
