/**
 * Planning: the paper's reliability mathematics (exact), the multi-candidate race, the planner and calibration.
 * The numerical building blocks (log-gamma, the incomplete beta function, tail sums) stay internal.
 */
export {
  estimateRun,
  expectedSamples,
  expectedVotes,
  kMin,
  kMinClosedForm,
  pCall,
  pFull,
  pStep,
  pStepFailure,
  type RunEstimate,
  type RunEstimateOptions,
} from './reliability.ts';
export { multiCandidateRace, type MultiCandidateOptions, type MultiCandidateRace, type MultiCandidateRaceResult } from './multi-candidate.ts';
export { plan, plannerProfileFrom, type Plan, type PlanCandidate, type PlannerProfile, type PlanOptions } from './planner.ts';
export {
  binomialInterval,
  clopperPearsonInterval,
  collectCalibrationSamples,
  recommendK,
  stepTaskProbe,
  summarizeCalibration,
  wilsonInterval,
  type CalibrationProbe,
  type CalibrationSample,
  type CalibrationSamplingOptions,
  type CalibrationSummary,
  type CalibrationSummaryOptions,
  type Interval,
  type IntervalMethod,
  type KRecommendation,
  type RecommendKOptions,
} from './calibration.ts';
