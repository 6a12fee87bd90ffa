/**
 * The test kit (`maker-ts/testing`): measure your own LLM step functions with sampling statistics
 * (`measureStep`, `measureMetamorphic`), gate CI on the conservative end of the interval (`successGate`; vitest
 * matchers in `maker-ts/testing/vitest`), record and replay a model's answers (`recordingModel`, `replayModel`),
 * model doubles with chosen faults (`faultyModel`) and a scripted model for testing step functions and schedulers.
 * fast-check is needed only when states come from an arbitrary.
 */
export { createScriptedModel, response, type ScriptedModel, type ScriptedModelOptions, type ScriptEntry } from './scripted-model.ts';
export { measureStep, resolveMeasureStepOptions, type Counterexample, type ErrorProfile, type MeasureStepOptions, type ResolvedMeasureStepOptions, type StepMeasurement, type WrongAnswer } from './measure-step.ts';
export { measureMetamorphic, type Answer, type MetamorphicCounterexample, type MetamorphicMeasurement, type MetamorphicOptions } from './metamorphic.ts';
export { canonicalJson, type Measurable, type StepAt, type StepFunction } from './step-under-test.ts';
export { clusteredInterval, intraclassCorrelation, type ClusterCount, type ClusteredInterval } from './clustered-interval.ts';
export {
  assertRedFlagRateAtMost,
  assertSuccessAtLeast,
  describeCounterexample,
  describeMeasurement,
  GateError,
  isMeasurement,
  redFlagGate,
  successGate,
  type GateVerdict,
  type Measurement,
} from './gate.ts';
export {
  CASSETTE_VERSION,
  CassetteMissError,
  cassetteRequest,
  readCassette,
  recordingModel,
  replayModel,
  requestKey,
  type Cassette,
  type CassetteEntry,
  type CassetteHeader,
  type CassetteRequest,
  type CassetteResponse,
  type RecordingModel,
  type RecordingOptions,
  type ReplayModel,
} from './cassette.ts';
export { digitSlips, faultyModel, simAnswers, type FaultyModel, type FaultyModelOptions, type RequestRate } from './faulty-model.ts';
