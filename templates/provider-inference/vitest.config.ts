import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The contract suite starts a real server (SQLite storage included) before its tests.
    hookTimeout: 60_000,
    env: { CRIA_LOG_LEVEL: 'error' },
  },
});
