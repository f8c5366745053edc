/** uploadModel checks every tensor against the weight limit before it connects (src/model/weight-range.ts). */
import { describe, expect, it } from 'vitest';
import type { PartiesConfig } from '../../src/parties/config.js';
import { uploadModel } from '../../src/programs/model.js';

describe('uploadModel weight range', () => {
  it('rejects |w| > 1024 and NaN before connecting: MPC_ERR_INPUT carrying MODEL_ERR_RANGE / NONFINITE, tensor and element', async () => {
    const big = new Map([['ok', { shape: [1], data: new Float64Array([1]) }], ['big', { shape: [2], data: new Float32Array([0, -3e9]) }]]);
    await expect(uploadModel({} as PartiesConfig, 'm', big)).rejects.toMatchObject({ code: 'MPC_ERR_INPUT', message: expect.stringMatching(/^MODEL_ERR_RANGE: m: tensor 'big': element 1 is -3/) });
    const nan = new Map([['x', { shape: [2], data: new Float64Array([1, NaN]) }]]);
    await expect(uploadModel({} as PartiesConfig, 'm', nan, undefined, { source: 'f.bin' })).rejects.toMatchObject({ code: 'MPC_ERR_INPUT', message: expect.stringMatching(/^MODEL_ERR_NONFINITE: f\.bin: tensor 'x': element 1 is NaN/) });
  });
});
