/**
 * ModelFileError: a checkpoint, tokenizer or config file was rejected. The message always names the
 * file, and the tensor (or header field / token) when one is concerned; `code` is stable.
 */
export const MODEL_ERROR_CODES = [
  'MODEL_ERR_HEADER', // bad magic, header field or config value (non-positive or inconsistent dims)
  'MODEL_ERR_TRUNCATED', // the file ends before a tensor / record it declares
  'MODEL_ERR_SIZE', // the file is larger than its header declares (trailing bytes)
  'MODEL_ERR_NONFINITE', // a weight is NaN or ±Inf
  'MODEL_ERR_RANGE', // a weight is beyond what the fixed-point computation can carry (weight-range.ts)
  'MODEL_ERR_SHAPE', // a tensor has another shape than the config implies
  'MODEL_ERR_MISSING', // a required tensor, file or field is absent
  'MODEL_ERR_DTYPE', // unsupported element type
] as const;

export type ModelErrorCode = (typeof MODEL_ERROR_CODES)[number];

export class ModelFileError extends Error {
  readonly code: ModelErrorCode;
  readonly file: string;
  readonly tensor: string | undefined;

  constructor(code: ModelErrorCode, file: string, message: string, tensor?: string) {
    super(`${file}: ${tensor === undefined ? '' : `tensor '${tensor}': `}${message}`);
    this.name = 'ModelFileError';
    this.code = code;
    this.file = file;
    this.tensor = tensor;
  }
}
