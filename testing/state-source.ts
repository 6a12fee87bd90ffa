/**
 * Where the measured states come from: a list as given, or drawn from a fast-check arbitrary. fast-check is an
 * optional peer of the test kit, loaded here only when `states` is an arbitrary, so a kit used with lists of
 * states needs no fast-check at all.
 */
import type { Arbitrary } from 'fast-check';
import { InputError } from '../core/errors.ts';
import type { StateSearch } from './arbitrary-states.ts';

/** The states to measure, and the search to shrink with when they were drawn from an arbitrary. */
export interface StateSource {
  readonly states: readonly unknown[];
  readonly search: StateSearch<unknown> | undefined;
}

/** True when `value` looks like a fast-check arbitrary (checked by shape, so fast-check is not loaded to ask). */
export function isArbitrary(value: unknown): value is Arbitrary<unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return typeof record['generate'] === 'function' && typeof record['shrink'] === 'function' && typeof record['canShrinkWithoutContext'] === 'function';
}

/** The states of a list, or `numStates` drawn from an arbitrary with `seed`; an `InputError` for anything else or for none. */
export async function stateSource(states: unknown, seed: number, numStates: number): Promise<StateSource> {
  let source: StateSource;
  if (Array.isArray(states)) {
    source = { states, search: undefined };
  } else if (isArbitrary(states)) {
    let module: typeof import('./arbitrary-states.ts');
    try {
      module = await import('./arbitrary-states.ts');
    } catch (error) {
      throw new InputError(`Expected fast-check to be installed to draw states from an arbitrary, got \`${error instanceof Error ? error.message : String(error)}\`; npm install --save-dev fast-check, or pass a list of states`, { cause: error });
    }
    const search = await module.drawStates(states, seed, numStates);
    source = { states: search.states, search };
  } else {
    throw new InputError(`Expected \`states\` to be an array or a fast-check arbitrary, got \`${typeof states}\``);
  }
  if (source.states.length === 0) throw new InputError('Expected `states` to hold at least one state, got none');
  return source;
}
