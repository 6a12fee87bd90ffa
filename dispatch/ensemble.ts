/**
 * Ensembles: votes drawn from several models so their errors decorrelate. Samples are dealt to the members in a
 * fixed, interleaved cycle (smooth weighted round-robin over integer weights: weights 2 and 1 give A, B, A), and
 * the cycle is rotated by the step index, so the first, temperature-0 sample of successive steps goes to each
 * member in turn. The assignment depends only on (step, sample index): a resumed run deals the same way.
 */
import { InputError } from '../core/errors.ts';

/** The member index for each position of one cycle. */
export function ensembleCycle(weights: readonly number[]): readonly number[] {
  if (weights.length === 0) throw new InputError('Expected an ensemble to have at least one member, got none');
  for (const weight of weights) {
    if (!Number.isInteger(weight) || weight < 1 || weight > 1000) {
      throw new InputError(`Expected ensemble weights to be integers from 1 to 1000, got \`${weight}\``);
    }
  }
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const current = weights.map(() => 0);
  const cycle: number[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    cycle.push(best);
  }
  return cycle;
}

/** The member that draws sample `sample` of step `step`. */
export function ensembleMember(cycle: readonly number[], step: number, sample: number): number {
  return cycle[(step + sample) % cycle.length]!;
}
