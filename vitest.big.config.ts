// `npm run test:big`: the long tests in tests/big/ (a GPT-2-base-sized model through real party
// processes; minutes and several GB of RAM). The default `npm test` (vitest.config.ts) skips them.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/big/**/*.test.ts'],
    testTimeout: 1_800_000,
    hookTimeout: 1_800_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
