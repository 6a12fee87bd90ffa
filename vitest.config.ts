import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,models,dispatch,voting,planning,run,agent,durable,tasks,testing,bench,cli}/**/*.test.ts', '*.test.ts'],
    // Tests that spawn bin/maker.js run dist/: rebuild it first if a source changed since the last build.
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
