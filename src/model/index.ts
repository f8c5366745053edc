/** Public surface of the model layer. */
export * from './ops.js';
export { PlainOps, plainTensor, type PlainTensor, type PlainOpsOptions, type GeluForm } from './plain-ops.js';
export * from './errors.js';
export * from './weights.js';
export * from './causal-lm.js';
export { Llama, ropeTables } from './llama.js';
export { Gpt2 } from './gpt2.js';
export { Bert } from './bert.js';
export * from './generate.js';
export * from './llama2c.js';
export * from './llama2c-tokenizer.js';
export * from './safetensors.js';
export * from './gpt2-checkpoint.js';
export * from './bert-checkpoint.js';
export * from './model-shapes.js';
export * from './gpt2-tokenizer.js';
export * from './gguf-vocab.js';
export * from './wordpiece-tokenizer.js';
