/**
 * The layers import in one direction only: ring → protocols → approx → model → parties → programs.
 * A file may import its own layer and the layers before it, never a later one.
 *
 * src/programs sits above src/parties. A program has a party half, which runs on the session API
 * of src/parties (`ProgramDef`, `ProgramSession`), and a client half, which runs over
 * `TriformClient` (src/parties/client.ts); both halves talk through the client link of
 * src/protocols. The party server needs the program table only as a value, passed in by the party
 * CLI (scripts/party.ts), so src/parties never imports src/programs. Below src/parties, the
 * client halves could not reach `TriformClient.run` or an owner's upload connection.
 *
 * Inside src/model, the sub-folders are plaintext (arch: `Ops`, its plaintext backends, the
 * models; formats: checkpoint readers; tokenizers): they never import src/protocols, src/ring or
 * the secure side at the top of src/model (secure-ops.ts and its helpers), only the top-level
 * errors.ts and weight-range.ts. Tokenizers read text and vocabularies, not tensors: no arch.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');
const ORDER = ['ring', 'protocols', 'approx', 'model', 'parties', 'programs'];
const MODEL_SUBFOLDERS = ['arch', 'formats', 'tokenizers'];
const MODEL_TOP_LEVEL_ALLOWED_FROM_SUBFOLDERS = ['model/errors.ts', 'model/weight-range.ts'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The relative imports of a file, as paths under src/ ('model/arch/ops.ts'). */
function importsOf(file: string): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    out.push(relative(SRC, resolve(dirname(file), m[1])).replace(/\.js$/, '.ts'));
  }
  return out;
}

describe('one-way layers', () => {
  it('every folder of src has a place in the order', () => {
    const folders = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !ORDER.includes(f))).toEqual([]);
  });

  for (const layer of ORDER) {
    it(`src/${layer} imports only ${ORDER.slice(0, ORDER.indexOf(layer) + 1).join(', ')}`, () => {
      const bad: string[] = [];
      for (const f of files(join(SRC, layer))) {
        for (const target of importsOf(f)) {
          const to = target.split('/')[0];
          if (ORDER.indexOf(to) > ORDER.indexOf(layer)) bad.push(`${relative(SRC, f)} → ${target}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});

describe('src/model sub-folders', () => {
  for (const sub of MODEL_SUBFOLDERS) {
    it(`src/model/${sub} is plaintext: no protocols, ring or secure side`, () => {
      const bad: string[] = [];
      for (const f of files(join(SRC, 'model', sub))) {
        for (const target of importsOf(f)) {
          const parts = target.split('/');
          const topLevelModel = parts[0] === 'model' && parts.length === 2 && !MODEL_TOP_LEVEL_ALLOWED_FROM_SUBFOLDERS.includes(target);
          if (parts[0] === 'protocols' || parts[0] === 'ring' || topLevelModel) bad.push(`${relative(SRC, f)} → ${target}`);
          if (sub === 'tokenizers' && parts[0] === 'model' && parts[1] === 'arch') bad.push(`${relative(SRC, f)} → ${target}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('the import resolver sees sub-folders (guards against a blind test)', () => {
    expect(files(join(SRC, 'model', 'arch')).map((f) => relative(SRC, f))).toContain('model/arch/ops.ts');
    expect(importsOf(join(SRC, 'model', 'secure-ops.ts'))).toContain('model/arch/ops.ts');
  });
});
