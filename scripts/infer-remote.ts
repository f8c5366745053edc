/** The networked half of `npm run infer` (client ↔ three running parties). */
export interface RemoteInferOptions {
  configPath?: string;
  modelId?: string;
  modelPath?: string;
  tokenizerPath?: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  seed: number;
  mode: 'logits' | 'token';
  json: boolean;
}

export async function inferRemote(_opts: RemoteInferOptions): Promise<void> {
  throw new Error('networked inference is not wired yet: use --in-process');
}
