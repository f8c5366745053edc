/** Public surface of the model layer. */
// arch: the Ops interface, the float64 backend, the models
export * from './arch/ops.js';
export { PlainOps, plainTensor, type PlainTensor, type PlainOpsOptions, type GeluForm } from './arch/plain-ops.js';
export * from './arch/weights.js';
export * from './arch/causal-lm.js';
export { Llama, ropeTables } from './arch/llama.js';
export { Gpt2 } from './arch/gpt2.js';
export { Bert } from './arch/bert.js';
export * from './arch/model-shapes.js';
// formats: checkpoint files
export * from './formats/llama2c.js';
export * from './formats/safetensors.js';
export * from './formats/gpt2-checkpoint.js';
export * from './formats/bert-checkpoint.js';
export * from './formats/gguf-vocab.js';
// tokenizers
export * from './tokenizers/llama2c-tokenizer.js';
export * from './tokenizers/gpt2-tokenizer.js';
export * from './tokenizers/wordpiece-tokenizer.js';
// plaintext generation, file errors
export * from './generate.js';
export * from './errors.js';
