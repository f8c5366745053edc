/** Reading a Hugging Face config.json and its fields, with errors that name the file and the field. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelFileError } from '../errors.js';

export interface ConfigFields {
  readonly o: Record<string, unknown>;
  /** A positive integer field (or the fallback when absent). */
  int(key: string, fallback?: unknown): number;
  /** Rejects a config whose `model_type` is present and not one of `types` (this loader reads `what`). */
  modelType(types: readonly string[], what: string): void;
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
    modelType(types, what) {
      const t = o.model_type;
      if (t === undefined || (typeof t === 'string' && types.includes(t))) return;
      const hint = t === 'llama' ? ' (LLaMA models load from llama2.c .bin files)' : '';
      throw new ModelFileError('MODEL_ERR_HEADER', file, `model_type ${JSON.stringify(t)} is not ${what}: this loader reads model_type ${types.map((x) => `"${x}"`).join(' or ')}${hint}`);
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
