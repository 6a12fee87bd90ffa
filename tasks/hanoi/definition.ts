/** Towers of Hanoi as the tools see it: `maker run hanoi --disks N`. */
import { InputError } from '../../core/errors.ts';
import { defineTask } from '../definition.ts';
import { integerFlag } from '../option-values.ts';
import { hanoiSim } from './sim.ts';
import { createHanoiTask, MAX_DISKS } from './task.ts';

/** The Hanoi task's definition. */
export const hanoiDefinition = defineTask<{ disks: number }>({
  name: 'hanoi',
  description: 'Towers of Hanoi, one voted move per call (2^n - 1 steps)',
  flags: [{ name: 'disks', description: `number of disks, 1 to ${MAX_DISKS}`, placeholder: '<n>' }],
  options: (flags) => {
    if (flags['disks'] === undefined) throw new InputError("Expected --disks (the number of disks), got none");
    return { disks: integerFlag('disks', String(flags['disks']), 1, MAX_DISKS) };
  },
  build: (options) => createHanoiTask({ disks: options.disks }),
  sim: hanoiSim,
  report: (_task, _result, options) => ({ json: { disks: options.disks } }),
});
