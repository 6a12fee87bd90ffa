/**
 * Towers of Hanoi as a step task. The state is the pegs plus the previous move; each step's prompt holds the
 * rules, the strategy, the previous move and the current state; the voted `next_state` becomes the state.
 */
import { InputError } from '../../core/errors.ts';
import type { ParseResult, StepTask } from '../../core/task.ts';
import { answerKey, parseHanoi, type HanoiAnswer } from './parser.ts';
import { hanoiMessages, systemMessage } from './prompt.ts';
import { applyMove, directionFor, initialPegs, isGoal, moveNumber, pegsAfter, strategyMove, type Move } from './rules.ts';
import { hanoiSim } from './sim.ts';

/** The exact state the scheduler holds. */
export interface HanoiState {
  readonly pegs: readonly (readonly number[])[];
  readonly previous: Move | null;
}

/** Options of {@link createHanoiTask}. */
export interface HanoiOptions {
  /** Number of disks, 1 to 30. */
  readonly disks: number;
}

/** The most disks a run may have: 2^30 - 1 steps is already far past any budget. */
export const MAX_DISKS = 30;

/** Builds the Hanoi task for n disks. */
export function createHanoiTask(options: HanoiOptions): StepTask<HanoiState, HanoiAnswer> {
  const { disks } = options;
  if (!Number.isInteger(disks) || disks < 1 || disks > MAX_DISKS) {
    throw new InputError(`Expected \`disks\` to be an integer from 1 to ${MAX_DISKS}, got \`${disks}\``);
  }
  const direction = directionFor(disks);
  const system = systemMessage(disks, direction);
  const totalSteps = 2 ** disks - 1;
  let lastText: string | undefined;
  let lastParsed: ParseResult<HanoiAnswer> | undefined;
  return {
    name: 'hanoi',
    totalSteps,
    initialState: () => ({ pegs: initialPegs(disks), previous: null }),
    prompt: (state) => hanoiMessages(system, state.pegs, state.previous),
    // A step's samples mostly answer the same text (the simulated model returns one string for every right
    // answer): the last parse is kept, so each distinct text of a step is parsed once.
    parse(text) {
      if (text !== lastText) {
        lastParsed = parseHanoi(text, disks);
        lastText = text;
      }
      return lastParsed!;
    },
    absorb: (_state, value) => ({ pegs: value.nextState, previous: value.move }),
    done: (state, step) => step >= totalSteps || isGoal(state.pegs, disks),
    solved: (state, step) => step === totalSteps && isGoal(state.pegs, disks),
    oracle: (state) => {
      const move = strategyMove(state.pegs, state.previous, direction);
      return move === undefined ? 'no legal move' : answerKey(move, applyMove(state.pegs, move));
    },
  };
}

/** The oracle trajectory's state before step `step` (0-based): used to sample random steps for calibration. */
export function hanoiStateAt(disks: number, step: number): HanoiState {
  return { pegs: pegsAfter(disks, step), previous: moveNumber(disks, step) };
}
