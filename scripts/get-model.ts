/**
 * npm run get-model -- [stories260K] [--dir DIR] [--from URL] [--json]
 *
 * Downloads a small public checkpoint and its tokenizer into the models cache folder
 * (~/.cache/triform/models/NAME, or $TRIFORM_CACHE/NAME), verifies their SHA-256, resumes an
 * interrupted download, and prints the path to use as $MODEL.
 */
import { join } from 'node:path';
import { modelsCacheDir } from '../src/model/formats/checkpoint.js';
import { command, displayPath, oneOf, parse, runMain } from './cli.js';
import { fetchModel, KNOWN_MODEL_NAMES, KNOWN_MODELS } from './fetch-model.js';

interface Opts {
  dir?: string;
  from?: string;
  json?: boolean;
}

const cmd = command('get-model', 'Download a small public checkpoint and its tokenizer, verified by SHA-256.')
  .argument('[name]', `which model: ${KNOWN_MODEL_NAMES.map((n) => `${n} (${KNOWN_MODELS[n].description})`).join('; ')}`, oneOf(KNOWN_MODEL_NAMES), 'stories260K')
  .option('--dir <dir>', 'put the files here (default: the models cache folder / NAME)')
  .option('--from <url>', 'base URL of a mirror with the same layout (default: the public source; or $TRIFORM_MODELS_URL)')
  .option('--json', 'one JSON line on stdout instead of text');
const o = parse<Opts>(cmd);
const name = cmd.processedArgs[0] as string;

runMain(
  'get-model',
  async () => {
    const dir = o.dir ?? join(modelsCacheDir(), name);
    const say = (s: string) => {
      if (!o.json) process.stderr.write(s + '\n');
    };
    const source = o.from ?? process.env.TRIFORM_MODELS_URL ?? KNOWN_MODELS[name].baseUrl;
    say(`${name}: ${KNOWN_MODELS[name].description}\nfrom ${source} into ${displayPath(dir)}`);
    let lastPct = -1;
    const files = await fetchModel(name, {
      dir,
      ...(o.from ? { baseUrl: o.from } : {}),
      log: say,
      onBytes: (file, done, total) => {
        const pct = Math.floor((100 * done) / Math.max(1, total));
        if (!o.json && process.stderr.isTTY && pct !== lastPct) process.stderr.write(`\r  ${file}: ${pct}%\x1b[K`);
        lastPct = pct;
      },
    });
    if (!o.json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    if (o.json) {
      console.log(JSON.stringify({ ok: true, model: name, dir, files }));
      return;
    }
    for (const f of files) console.log(`  ${f.how === 'present' ? 'already there' : f.how}: ${displayPath(f.path)} (${f.bytes} bytes, SHA-256 ok)`);
    console.log(`\nnext: export MODEL=${files[0].path}\n      npm run demo   (or: npm run infer -- --in-process --model $MODEL --prompt "Once upon a time")`);
  },
  {
    json: o.json ?? false,
    hint: (e) =>
      (e as { code?: string }).code === 'FETCH_ERR_OFFLINE' || (e as { code?: string }).code === 'FETCH_ERR_STALLED'
        ? `without the internet, copy ${KNOWN_MODELS[name].files.map((f) => f.path.split('/').pop()).join(' and ')} by hand into ${o.dir ?? join(modelsCacheDir(), name)}/ (the SHA-256 values are in scripts/fetch-model.ts), or run the synthetic model: npm run demo`
        : undefined,
  },
);
