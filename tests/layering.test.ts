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
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');
const ORDER = ['ring', 'protocols', 'approx', 'model', 'parties', 'programs'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
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
        for (const m of readFileSync(f, 'utf8').matchAll(/from '\.\.\/([a-z]+)\//g)) {
          if (ORDER.indexOf(m[1]) > ORDER.indexOf(layer)) bad.push(`${f.slice(SRC.length + 1)} → ${m[1]}`);
        }
      }
      expect(bad).toEqual([]);
    });
  }
});
