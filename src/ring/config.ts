/**
 * The one typed configuration object of the arithmetic: ring size and fixed-point precision.
 * Printed at session start and stored with every benchmark result.
 */
export interface RingConfig {
  /** Ring bit width k; only 64 is implemented (Z_2^64). */
  readonly ringBits: 64;
  /** Fractional bits f of the fixed-point encoding (PUMA uses 18). */
  readonly fracBits: number;
}

export const DEFAULT_RING_CONFIG: RingConfig = Object.freeze({ ringBits: 64, fracBits: 18 });

export function ringConfig(over: Partial<RingConfig> = {}): RingConfig {
  const cfg = { ...DEFAULT_RING_CONFIG, ...over };
  if (cfg.ringBits !== 64) throw new RangeError(`ringBits must be 64, got ${cfg.ringBits}`);
  if (!Number.isInteger(cfg.fracBits) || cfg.fracBits < 0 || cfg.fracBits > 40) {
    throw new RangeError(`fracBits must be an integer in [0, 40], got ${cfg.fracBits}`);
  }
  return Object.freeze(cfg);
}

export function describeRingConfig(cfg: RingConfig): string {
  return `ring Z_2^${cfg.ringBits}, fixed point f=${cfg.fracBits} (resolution ${2 ** -cfg.fracBits})`;
}
