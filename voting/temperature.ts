/** Which temperature each sample of a step is drawn at. */
export type TemperatureSchedule = (sampleIndex: number) => number;

/**
 * The paper's schedule: the first sample of a step at `first` (0: the model's own best answer), every later
 * one at `rest` (0.1: just enough to decorrelate).
 */
export function firstThenRest(first = 0, rest = 0.1): TemperatureSchedule {
  return (sampleIndex) => (sampleIndex === 0 ? first : rest);
}
