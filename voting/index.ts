/** Voting: the ahead-by-k race, the sampler, red-flag rules, and the reliability mathematics. */
export * from './ahead-by-k.ts';
export * from './red-flags.ts';
export * from './sampler.ts';
export * from './temperature.ts';
export * from '../planning/reliability.ts';
export * from '../planning/multi-candidate.ts';
export * from '../planning/planner.ts';
export * from '../planning/calibration.ts';
