/** `maker run hanoi`: the paper's benchmark on any model. */
import type { Command } from 'commander';
import { runTask } from '../run/run-task.ts';
import { createHanoiTask, MAX_DISKS, hanoiSim } from '../tasks/hanoi/index.ts';
import { buildDispatcher } from './dispatch-options.ts';
import { addRunDirOptions, runInDirectory } from './durable.ts';
import { integerFlag } from './flags.ts';
import type { CommandContext } from './main.ts';
import { createProgress } from './progress.ts';
import { addCommonRunOptions, resolveCommonRunOptions } from './run-options.ts';
import { summaryJson, summaryText } from './summary.ts';
import { runCommand } from './run-options.ts';

export function registerRun(program: Command, context: CommandContext): void {
  const hanoi = runCommand(program)
    .command('hanoi')
    .description('Towers of Hanoi, one voted move per call (2^n - 1 steps)')
    .requiredOption('--disks <n>', `number of disks, 1 to ${MAX_DISKS}`);
  addRunDirOptions(addCommonRunOptions(hanoi)).action(async (raw: Record<string, unknown>) => {
    const disks = integerFlag('disks', String(raw['disks']), 1, MAX_DISKS);
    const options = resolveCommonRunOptions(raw);
    const task = createHanoiTask({ disks });
    if (raw['runDir'] !== undefined || raw['force'] === true || raw['store'] !== undefined || raw['runId'] !== undefined || raw['wait'] === true) {
      await runInDirectory(context, raw, task, { disks }, options);
      return;
    }
    const dispatcher = buildDispatcher({ ...options, behaviour: hanoiSim });
    const progress = createProgress(context.stderr, task.totalSteps, options.progress);
    try {
      const result = await runTask({
        task,
        dispatcher,
        k: options.k,
        seed: options.seed,
        concurrency: options.concurrency,
        maxOutputTokens: options.maxOutputTokens,
        contextBudget: options.contextBudget,
        maxSamplesPerStep: options.maxSamplesPerStep,
        onStep: (event) => progress.update(event.totals),
      });
      progress.stop();
      context.stdout.write(options.json ? `${JSON.stringify(summaryJson(result, { disks }))}\n` : summaryText(result));
      context.exitCode = result.solved ? 0 : 1;
    } finally {
      progress.stop();
    }
  });
}
