/**
 * The suite Stryker runs against each mutant (`npm run mutation`): the unit tests of the folders it mutates and of
 * the folders just above them. Task, model, test-kit, CLI, benchmark and README suites are left out: they spawn
 * processes, start servers in `beforeAll` (whatever runs there counts as covered by no test, so every test would
 * run against every mutant it reaches) or walk long simulated runs; a mutant in the engine should be caught by the
 * engine's own tests.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,dispatch,voting,planning,run,durable}/**/*.test.ts'],
    setupFiles: ['./vitest.stryker.setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
