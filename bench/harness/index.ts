export * from './scenario.ts';
export { runScenario, mergeShards, renderResults, type RunScenarioOptions, type ScenarioRun, type ShardDocument, type MergeOptions, type RenderOptions } from './run.ts';
export { writeIndex, writeScenarioResults, renderMarkdown, type ResultDocument, type ScenarioFiles } from './write.ts';
export { parseShard, selectShard, shardFileName, type Shard } from './shard.ts';
export { openCheckpoint, type Checkpoint } from './checkpoint.ts';
export { createSweepProgress, type SweepProgress } from './progress.ts';
export { COST_LAWS, fitLaw, fitLaws, fitLine, median, powerLawExponent, type GrowthLaw, type LawFit, type LineFit, type Point } from './fit.ts';
export { commandFor, describeMachine, loadAverage, machine, versions, type Machine, type Provenance, type Versions } from './provenance.ts';
export { outputCap, planningErrorRate, profileOf, hanoiSteps, PAPER_OUTPUT_CAP } from './models.ts';
