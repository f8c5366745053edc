import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // minutes and gigabytes: `npm run test:big` (vitest.big.config.ts)
    exclude: [...configDefaults.exclude, 'tests/big/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
