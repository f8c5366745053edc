/** ApproxConfig: defaults, presets, overrides, validation with named fields. */
import { describe, expect, it } from 'vitest';
import { approxConfig, DEFAULT_APPROX_CONFIG, describeApproxConfig, PUMA_APPROX_CONFIG, validateApproxConfig } from '../../src/approx/config.js';

describe('ApproxConfig', () => {
  it('defaults: PUMA exp t = 5 and mask −14, Goldschmidt ×2, refitted GeLU/SiLU, Taylor-4 softmax exp', () => {
    const c = approxConfig();
    expect(c.exp).toEqual({ degree: 1, t: 5, maskBelow: -14 });
    expect(c.reciprocal.iterations).toBe(2);
    expect(c.gelu.variant).toBe('improved');
    expect(c.silu.variant).toBe('improved');
    expect(c.softmax.exp).toEqual({ degree: 4, t: 3, maskBelow: -14 });
    expect(Object.isFrozen(c) && Object.isFrozen(c.softmax.exp)).toBe(true);
    expect(validateApproxConfig(DEFAULT_APPROX_CONFIG)).toBe(DEFAULT_APPROX_CONFIG);
    expect(PUMA_APPROX_CONFIG.gelu.variant).toBe('puma');
    expect(PUMA_APPROX_CONFIG.softmax.exp).toEqual(PUMA_APPROX_CONFIG.exp);
    expect(describeApproxConfig(c)).toContain('gelu improved');
  });

  it('overrides merge per section and on top of a preset', () => {
    const c = approxConfig({ gelu: { variant: 'puma' }, softmax: { exp: { t: 4 } } });
    expect(c.gelu.variant).toBe('puma');
    expect(c.silu.variant).toBe('improved');
    expect(c.softmax.exp).toEqual({ degree: 4, t: 4, maskBelow: -14 });
    expect(approxConfig({ silu: { variant: 'improved' } }, PUMA_APPROX_CONFIG).gelu.variant).toBe('puma');
  });

  it('rejects bad values naming the field', () => {
    expect(() => approxConfig({ exp: { t: 2.5 } })).toThrow(/exp\.t/);
    expect(() => approxConfig({ exp: { t: 0 } })).toThrow(RangeError);
    expect(() => approxConfig({ exp: { maskBelow: 3 } })).toThrow(/maskBelow/);
    expect(() => approxConfig({ exp: { degree: 1, t: 3 } })).toThrow(/not positive/); // 1 + x/8 < 0 at x = −14
    expect(() => approxConfig({ reciprocal: { iterations: -1 } })).toThrow(/reciprocal\.iterations/);
    expect(() => approxConfig({ gelu: { variant: 'tanh' as never } })).toThrow(/gelu\.variant/);
    expect(() => approxConfig({ norm: { inputBound: 0 } })).toThrow(/inputBound/);
    expect(() => approxConfig({ exp: { t: '5' as never } })).toThrow(TypeError);
  });
});
