import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // most integration tests wait on simulators and services, not the CPU: two files at a time
    // (the default on 2 cores is one) keeps the suite well inside its 15 minutes
    maxWorkers: 2,
    // The JSON report feeds .ci/run's closing "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
  },
});
