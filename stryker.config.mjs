// Mutation testing: `npm run mutation` mutates every target below; `npm run mutation -- --mutate voting/red-flags.ts`
// mutates one file (or a glob). Scores per folder, the command and date, and why each survivor lives:
// results/mutation.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Only the unit suites of the mutated folders and those just above; `related` narrows each run to the test
  // files that import the mutated file, and perTest coverage to the tests that reach the mutant.
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // The machine has two cores, shared.
  concurrency: 2,
  // A mutant that loops forever is caught after its tests' normal time, times 1.5, plus this.
  timeoutMS: 5_000,
  mutate: [
    'voting/ahead-by-k.ts',
    'voting/red-flags.ts',
    'voting/sampler.ts',
    'voting/temperature.ts',
    'run/*.ts',
    'dispatch/*.ts',
    'durable/*.ts',
    '!**/*.test.ts',
  ],
  ignorePatterns: ['/results', '/bench', '/examples', '/runs', '/reports'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Stryker rewrites the tsconfig's out-of-sandbox paths with the TypeScript 5 API, which TypeScript 7 no longer
  // ships; ours has no `extends` or `references` to rewrite, so it is pointed at a file that does not exist.
  tsconfigFile: 'tsconfig.stryker-none.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
