import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'console/src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end tests spawn real processes; two cores do not gain from more parallel files.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
