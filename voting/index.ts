/** Voting: the first-to-ahead-by-k race, the sampler that runs it for one step, red-flag rules, temperatures. */
export { AheadByKRace, type RaceStatus } from './ahead-by-k.ts';
export { voteStep, type VoteOutcome, type VoteStats, type VoteStepOptions } from './sampler.ts';
export { defaultRedFlags, redFlag, tooLong, truncated, unparseable, type RedFlagInput, type RedFlagRule } from './red-flags.ts';
export { firstThenRest, type TemperatureSchedule } from './temperature.ts';
