/** Reading a Hugging Face config.json and its fields, with errors that name the file and the field. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from './errors.js';

export interface ConfigFields {
  readonly o: Record<string, unknown>;
  /** A positive integer field (or the fallback when absent). */
  int(key: string, fallback?: unknown): number;
}

export function configFields(json: unknown, file: string): ConfigFields {
  if (json === null || typeof json !== 'object') throw new ModelFileError('MODEL_ERR_HEADER', file, 'config is not a JSON object');
  const o = json as Record<string, unknown>;
  return {
    o,
    int(key, fallback) {
      const v = o[key] ?? fallback;
      if (v === undefined) throw new ModelFileError('MODEL_ERR_MISSING', file, `config field ${key} is missing`);
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
        throw new ModelFileError('MODEL_ERR_HEADER', file, `config field ${key} = ${JSON.stringify(v)} must be a positive integer`);
      }
      return v;
    },
  };
}

/** The parsed `config.json` of a Hugging Face checkpoint directory, with its path. */
export function readConfigJson(dir: string): { json: unknown; path: string } {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new ModelFileError('MODEL_ERR_MISSING', path, 'config.json not found');
  try {
    return { json: JSON.parse(readFileSync(path, 'utf8')), path };
  } catch (e) {
    throw new ModelFileError('MODEL_ERR_HEADER', path, `invalid JSON (${(e as Error).message})`);
  }
}
