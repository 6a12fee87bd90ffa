/** `maker kmin`: the least voting margin that reaches a target whole-task success (the paper's Eq. 14). */
import type { Command } from 'commander';
import { kMin, pFull, pStep, pCall } from '../planning/reliability.ts';
import { integerFlag, numberFlag } from './flags.ts';
import type { CommandContext } from './context.ts';
import { labelled, probability } from './table.ts';

/** Registers `maker kmin --p P --steps S --target T [--m M] [--json]`. */
export function registerKmin(program: Command, context: CommandContext): void {
  program
    .command('kmin')
    .description('least margin k whose predicted whole-task success reaches the target (paper Eq. 14)')
    .requiredOption('--p <p>', 'probability that one valid response for a step is correct, in (0.5, 1)')
    .requiredOption('--steps <s>', 'steps in the task')
    .requiredOption('--target <t>', 'target probability that the whole task succeeds, in (0, 1)')
    .option('--m <m>', 'steps per call (a call is right with p^m)', '1')
    .option('--json', 'print one JSON object')
    .action((raw: Record<string, unknown>) => {
      const p = numberFlag('p', String(raw['p']), 0.5, 1, true);
      const steps = integerFlag('steps', String(raw['steps']), 1);
      const target = numberFlag('target', String(raw['target']), 0, 1, true);
      const m = integerFlag('m', String(raw['m']), 1);
      const k = kMin(p, steps, target, m);
      const result = { p, steps, target, m, k, pStep: pStep(pCall(p, m), k), pFull: pFull(p, k, steps, m) };
      if (raw['json'] === true) {
        context.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      context.stdout.write(
        labelled([
          ['k', String(k)],
          ['pStep', probability(result.pStep)],
          ['pFull', probability(result.pFull)],
          ['for', `p = ${p}, steps = ${steps.toLocaleString('en-US')}, target = ${target}${m === 1 ? '' : `, m = ${m}`}`],
        ]),
      );
    });
}
