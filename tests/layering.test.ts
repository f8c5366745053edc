/**
 * The layers import in one direction only: ring → protocols → approx → model → parties.
 * A file may import its own layer and the layers before it, never a later one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '..', 'src');
const ORDER = ['ring', 'protocols', 'approx', 'model', 'parties'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('one-way layers', () => {
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
