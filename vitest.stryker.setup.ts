/**
 * Mutation testing runs the suite once per mutant: property tests without an explicit `numRuns` run 25 cases
 * there instead of fast-check's 100. A mutant most properties catch fails in the first few cases; the full 100
 * run in `npm test`.
 */
import fc from 'fast-check';

fc.configureGlobal({ numRuns: 25 });
