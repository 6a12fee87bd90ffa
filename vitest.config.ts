import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,models,dispatch,voting,planning,run,durable,tasks,testing,bench,cli}/**/*.test.ts', '*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
