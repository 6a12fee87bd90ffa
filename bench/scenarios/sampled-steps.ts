/**
 * Independent Hanoi steps for measuring per-step error: a step task whose i-th step is a state drawn (seeded)
 * from the optimal trajectory of n-disk Hanoi, so every step starts from a correct state and one wrong vote
 * cannot derail the ones after it. With many disks nearly every drawn state is distinct, so the steps sample the
 * prompt distribution a real run sees.
 */
import { mixSeed, unitFromHash } from '../../core/rng.ts';
import type { StepTask } from '../../core/task.ts';
import { createHanoiTask, hanoiStateAt, type HanoiAnswer, type HanoiState } from '../../tasks/hanoi/index.ts';

/** The state: which sampled step is next. */
export interface SampledStepsState {
  readonly index: number;
}

/** `count` independent steps drawn from n-disk Hanoi's trajectory with `seed`. */
export function sampledHanoiSteps(disks: number, count: number, seed: number): StepTask<SampledStepsState, HanoiAnswer> {
  const hanoi = createHanoiTask({ disks });
  const total = hanoi.totalSteps!;
  let cachedIndex = -1;
  let cached: HanoiState | undefined;
  const stateAt = (index: number): { state: HanoiState; step: number } => {
    const step = Math.floor(unitFromHash(mixSeed(seed, index, 0x57e9)) * total);
    if (index !== cachedIndex) {
      cached = hanoiStateAt(disks, step);
      cachedIndex = index;
    }
    return { state: cached!, step };
  };
  return {
    name: 'hanoi-sampled-steps',
    totalSteps: count,
    initialState: () => ({ index: 0 }),
    prompt: (state) => {
      const at = stateAt(state.index);
      return hanoi.prompt(at.state, at.step);
    },
    parse: hanoi.parse,
    absorb: (state) => ({ index: state.index + 1 }),
    done: (state) => state.index >= count,
    solved: () => true,
    oracle: (state) => {
      const at = stateAt(state.index);
      return hanoi.oracle!(at.state, at.step);
    },
  };
}
