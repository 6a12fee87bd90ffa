/** `maker run hanoi`: the paper's benchmark on any model. */
import type { Command } from 'commander';
import { runTask } from '../run/run-task.ts';
import { createHanoiTask, MAX_DISKS, hanoiSim } from '../tasks/hanoi/index.ts';
import { buildDispatcher } from './dispatch-options.ts';
import { addRunDirOptions, runInDirectory } from './durable.ts';
import { integerFlag } from './flags.ts';
import type { CommandContext } from './main.ts';
import { onInterrupt, signalExitCode } from './interrupt.ts';
import { createProgress, type ProgressReporter } from './progress.ts';
import { addCommonRunOptions, checkFirstPrompt, resolveCommonRunOptions } from './run-options.ts';
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
    checkFirstPrompt(task, options.contextBudget);
    if (raw['runDir'] !== undefined || raw['force'] === true) {
      await runInDirectory(context, raw, task, { disks }, options);
      return;
    }
    let progress: ProgressReporter | undefined;
    const notice = (line: string) => (progress === undefined ? context.stderr.write(line) : progress.note(line));
    const dispatcher = buildDispatcher({ ...options, behaviour: hanoiSim, notice });
    const shown = createProgress(context.stderr, task.totalSteps, options.progress);
    progress = shown;
    // Ctrl-C stops the run cleanly with its summary; a second one exits at once, cursor restored.
    const interrupt = onInterrupt(() => shown.stop());
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
        signal: interrupt.signal,
        onStep: (event) => shown.update(event.totals),
      });
      shown.stop();
      context.stdout.write(options.json ? `${JSON.stringify(summaryJson(result, { disks, maxOutputTokens: options.maxOutputTokens }))}\n` : summaryText(result));
      const signal = interrupt.received();
      if (result.stopReason === 'interrupted' && signal !== undefined) {
        context.stderr.write(`maker: interrupted by ${signal} at step ${result.totals.steps} of ${task.totalSteps}; a run without --run-dir cannot be resumed\n`);
        context.exitCode = signalExitCode(signal)!;
      } else {
        context.exitCode = result.solved ? 0 : 1;
      }
    } finally {
      shown.stop();
      interrupt.dispose();
    }
  });
}
