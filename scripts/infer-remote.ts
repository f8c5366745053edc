/** The networked half of `npm run infer`: the client talks to the three running parties. */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { byteTokenizer, loadTokenizer, resolveModelPath, type TextTokenizer } from '../src/model/formats/checkpoint.js';
import type { GenerateResult } from '../src/model/generate.js';
import type { MergedCost } from '../src/protocols/meter.js';
import { MpcError } from '../src/protocols/errors.js';
import { ringConfig } from '../src/ring/config.js';
import { TriformClient, type RunOptions } from '../src/parties/client.js';
import { defaultConfigPath, loadPartiesConfig } from '../src/parties/config.js';
import { readKeyFile } from '../src/parties/keys.js';
import { createLogger } from '../src/parties/log.js';
import type { NetShape } from '../src/parties/net-shaper.js';
import { generateRemote } from '../src/programs/generate.js';
import { modelInfo } from '../src/programs/model.js';

/** What both `infer` paths (in-process and networked) take. */
export interface InferOptions {
  modelPath?: string;
  tokenizerPath?: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  mode: 'logits' | 'token';
  /** Checked mode: abort with MPC_ERR_RANGE when a value leaves its fixed-point range. */
  checkRanges?: boolean;
  /** The tuple pool (src/protocols/tuple-pool.ts): each decode step's tuples made at its start. */
  tuplePool?: boolean;
  onToken?: (token: number, tok: TextTokenizer) => void;
  log: (s: string) => void;
}

export interface RemoteInferOptions extends InferOptions {
  configPath?: string;
  modelId?: string;
  keyPath?: string;
  /** The link shaping the parties are expected to use (checked by each party). */
  net?: NetShape | null;
  /** How long a party may take to answer the handshake. */
  handshakeTimeoutMs?: number;
  /** The parties' model-loading progress (scripts/progress-view.ts shows it). */
  onProgress?: RunOptions['onProgress'];
}

export interface InferOutcome {
  result: GenerateResult;
  cost: MergedCost;
  wallMs: number;
  tokenizer: TextTokenizer;
  promptTokens: number;
  source: string;
  synthetic: boolean;
}

export async function inferRemote(o: RemoteInferOptions): Promise<InferOutcome> {
  const modelPath = resolveModelPath(o.modelPath);
  // the client reads the checkpoint only for its tokenizer, but a wrong path is a mistake to report as such
  if (modelPath && !existsSync(modelPath)) throw new MpcError('MPC_ERR_INPUT', `model not found: ${modelPath} does not exist`);
  const configPath = resolve(o.configPath ?? defaultConfigPath());
  const config = loadPartiesConfig(configPath);
  const identity = readKeyFile(o.keyPath ?? resolve(config.dir, 'client.key'));
  const modelId = o.modelId ?? (modelPath ? basename(modelPath).replace(/\.bin$/, '').replace(/[^A-Za-z0-9._-]/g, '_') : undefined);
  if (!modelId) throw new MpcError('MPC_ERR_INPUT', 'which model? pass --model-id ID (as shared with npm run share-model) or --model PATH');
  const client = await TriformClient.connect({ config, identity, log: createLogger({ level: 'warn', destination: process.stderr }), ...(o.net === undefined ? {} : { net: o.net }), ...(o.handshakeTimeoutMs ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}) });
  try {
    const { meta, fracBits } = await modelInfo(client, modelId);
    const c = meta.config as { vocabSize: number; seqLen?: number; nPositions?: number };
    const contextLength = c.seqLen ?? c.nPositions ?? 0;
    const synthetic = meta.tokenizer === 'bytes';
    if (!synthetic && !modelPath && !o.tokenizerPath) throw new MpcError('MPC_ERR_INPUT', `the client needs the tokenizer of '${modelId}': pass --model PATH (the checkpoint, for its tokenizer) or --tokenizer PATH`);
    const tokenizer = synthetic ? byteTokenizer : loadTokenizer(meta.arch, modelPath ?? (o.tokenizerPath as string), c.vocabSize, o.tokenizerPath);
    o.log(`model '${modelId}' at the parties of ${configPath}: ${meta.summary ?? meta.arch}`);
    const prompt = tokenizer.encode(o.prompt);
    const t0 = performance.now();
    const r = await generateRemote(client, modelId, prompt, {
      maxNewTokens: o.maxTokens,
      mode: o.mode,
      temperature: o.temperature,
      topP: o.topP,
      seed: o.seed,
      stopTokens: synthetic ? [] : meta.arch === 'gpt2' ? [50256] : [1, 2],
      vocabSize: c.vocabSize,
      contextLength,
      ring: ringConfig({ fracBits }),
      checkRanges: o.checkRanges === true,
      tuplePool: o.tuplePool === true,
      onToken: (t) => o.onToken?.(t, tokenizer),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    return { result: r.local, cost: r.cost, wallMs: performance.now() - t0, tokenizer, promptTokens: prompt.length, source: `${modelId}@${configPath}`, synthetic };
  } finally {
    client.close();
  }
}
