import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Workspace packages export their TypeScript sources under the `source` condition,
    // so tests run against src/ without a build.
    conditions: ['source'],
  },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'providers/*/src/**/*.test.ts', 'providers/*/test/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The MCP SDK imports eventsource, which exports TypeScript sources under `source` too: the
    // SDK goes through vite, which compiles them, rather than to Node, which cannot load them.
    server: { deps: { inline: [/@modelcontextprotocol\/sdk/] } },
    pool: 'forks',
    maxWorkers: 2,
    env: { CRIA_LOG_LEVEL: 'error' },
    // CI reads the JSON report to print its `N passed, N failed` line.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-report.json' }]],
  },
});
