/** Voting: the ahead-by-k race, the sampler, red-flag rules, and the reliability mathematics. */
export * from './ahead-by-k.ts';
export * from './red-flags.ts';
export * from './sampler.ts';
export * from './temperature.ts';
export * from './reliability.ts';
export * from './multi-candidate.ts';
export * from './planner.ts';
export * from './calibration.ts';
