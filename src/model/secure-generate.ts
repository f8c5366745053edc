/**
 * Secure generation, split between the parties and the client.
 *
 * Parties: prefill the (unknown to them) prompt from the client's one-hot shares, then per step
 * send the client the logits' shares (mode 'logits') or the secure argmax's index (mode 'token'),
 * and wait for the client's decision and next one-hot. The number of steps is public.
 * Client: one-hot encodes, reconstructs outputs, samples (llama2.c's sampler) and decides.
 * Both sides follow the same break rule, so neither waits for a message that never comes.
 */
import type { AShare } from '../protocols/share.js';
import type { RingConfig } from '../ring/config.js';
import { decode } from '../ring/fixed-point.js';
import { newSession, type CausalLM } from './arch/causal-lm.js';
import type { ClientEnd, ClientPort } from './client-port.js';
import { Sampler, type GenerateOptions, type GenerateResult, type OutputMode } from './generate.js';
import { checkTokens, tokenCount } from './arch/ops.js';

export interface SecureGenerateParams {
  readonly promptTokens: number;
  readonly maxNewTokens: number;
  readonly mode: OutputMode;
}

/** The parties' loop (run identically at the three parties). */
export async function partyGenerate(model: CausalLM<AShare>, client: ClientPort, params: SecureGenerateParams, meter?: { scope<T>(label: string, fn: () => Promise<T>): Promise<T> }): Promise<void> {
  const { ops } = model;
  if (params.maxNewTokens <= 0) return;
  const run = <T>(label: string, fn: () => Promise<T>) => (meter ? meter.scope(label, fn) : fn());
  const session = newSession(model);
  const emit = async (logits: AShare) => {
    if (params.mode === 'token') await ops.reveal(await ops.argmax(logits));
    else await ops.reveal(logits);
  };
  await run('prefill', async () => emit(await session.prefill(tokenCount(params.promptTokens))));
  for (let i = 1; i < params.maxNewTokens && session.position < model.contextLength; i++) {
    if (!(await client.proceed())) return;
    await run('decode', async () => emit(await session.prefill(tokenCount(1))));
  }
}

export function oneHot(tokens: readonly number[], vocab: number): BigUint64Array {
  const out = new BigUint64Array(tokens.length * vocab);
  tokens.forEach((t, i) => (out[i * vocab + t] = 1n));
  return out;
}

export interface ClientGenerateOptions extends GenerateOptions {
  readonly vocabSize: number;
  readonly contextLength: number;
  readonly ring: RingConfig;
  /** Called with the decoded logits of every step (mode 'logits'), e.g. for fidelity checks. */
  readonly onLogits?: (logits: Float64Array, index: number) => void;
}

/** The client's loop: mirrors partyGenerate's steps. */
export async function clientGenerate(end: ClientEnd, prompt: readonly number[], opts: ClientGenerateOptions): Promise<GenerateResult> {
  const mode = opts.mode ?? 'logits';
  const temperature = opts.temperature ?? 0;
  if (mode === 'token' && temperature !== 0) throw new RangeError("mode 'token' decodes greedily (secure argmax); use mode 'logits' to sample");
  checkTokens(prompt, opts.vocabSize);
  if (prompt.length > opts.contextLength) throw new RangeError(`prompt of ${prompt.length} tokens exceeds the context length ${opts.contextLength}`);
  const sampler = new Sampler(temperature, opts.topP ?? 1, opts.seed ?? 1);
  const stop = new Set(opts.stopTokens ?? []);
  const tokens: number[] = [];
  const decodeMs: number[] = [];
  let prefillMs = 0;
  if (opts.maxNewTokens <= 0) return { tokens, stoppedBy: 'length', prefillMs, decodeMs };
  let t0 = performance.now();
  await end.sendInput('onehot', [prompt.length, opts.vocabSize], oneHot(prompt, opts.vocabSize));
  let position = prompt.length;
  for (let i = 0; ; i++) {
    let next: number;
    if (mode === 'token') {
      next = Math.round(decode(await end.receiveOutput('output', 1), opts.ring)[0]);
    } else {
      const logits = decode(await end.receiveOutput('output', opts.vocabSize), opts.ring);
      opts.onLogits?.(logits, i);
      next = sampler.sample(logits);
    }
    if (i === 0) prefillMs = performance.now() - t0;
    else decodeMs.push(performance.now() - t0);
    tokens.push(next);
    opts.onToken?.(next, i);
    // The parties stop on their own at the length and context limits.
    if (i + 1 >= opts.maxNewTokens) return { tokens, stoppedBy: stop.has(next) ? 'stop' : 'length', prefillMs, decodeMs };
    if (position >= opts.contextLength) return { tokens, stoppedBy: stop.has(next) ? 'stop' : 'context', prefillMs, decodeMs };
    if (stop.has(next)) {
      await end.sendProceed(false);
      return { tokens, stoppedBy: 'stop', prefillMs, decodeMs };
    }
    t0 = performance.now();
    await end.sendProceed(true);
    await end.sendInput('onehot', [1, opts.vocabSize], oneHot([next], opts.vocabSize));
    position++;
  }
}
