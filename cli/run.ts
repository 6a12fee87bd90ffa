/**
 * `maker run TASK`: any task on any model — a built-in task by name (its own flags come from its definition) or a
 * user's task module by path (`maker run ./my-task.ts`). Every common run flag and every dispatch flag applies to
 * every task; `--run-dir` journals any of them.
 */
import { Option, type Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { parseModelSpec } from '../models/model-spec.ts';
import { runTask, taskLength, type RunResult } from '../run/run-task.ts';
import type { RunnableTask, TaskDefinition } from '../tasks/definition.ts';
import { TASKS } from '../tasks/registry.ts';
import { buildDispatcher } from './dispatch-options.ts';
import { addRunDirOptions, runInDirectory } from './durable.ts';
import type { CommandContext } from './context.ts';
import { onInterrupt, signalExitCode } from './interrupt.ts';
import { createProgress, type ProgressReporter } from './progress.ts';
import { addCommonRunOptions, checkFirstPrompt, resolveCommonRunOptions, runCommand, type CommonRunOptions } from './run-options.ts';
import { exitCodeOf, printRun } from './summary.ts';

/** camelCase of a kebab-case flag name, as commander stores its value. */
const camel = (name: string) => name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** A definition's flag values as text (`true` for a switch), by the flag's own name. */
export function taskFlagValues(definition: TaskDefinition<any>, raw: Record<string, unknown>): Record<string, string | true | undefined> {
  const values: Record<string, string | true | undefined> = {};
  for (const flag of definition.flags ?? []) {
    const value = raw[camel(flag.name)];
    values[flag.name] = value === undefined ? undefined : value === true ? true : String(value);
  }
  return values;
}

/** Refuses a simulated model for a task that has no simulated behaviour, saying what to do instead. */
export function requireSimFor(definition: TaskDefinition<any>, options: Pick<CommonRunOptions, 'model' | 'dispatch'>): void {
  if (definition.sim !== undefined) return;
  const specs = [options.model, ...(options.dispatch.ensemble?.map((member) => member.spec) ?? [])];
  if (options.dispatch.endpointsFile === undefined && specs.some((spec) => parseModelSpec(spec).kind === 'sim')) {
    throw new InputError(
      `Task \`${definition.name}\` has no simulated behaviour, so it cannot run on a sim: model; run it against an endpoint (--model openai:NAME --base-url URL), or export a \`sim\` beside it`,
    );
  }
}

/** Registers `maker run NAME` for one task definition (`name` defaults to the definition's). */
export function registerTaskRun(program: Command, context: CommandContext, definition: TaskDefinition<any>, name = definition.name, module?: string): Command {
  const command = runCommand(program).command(name).description(definition.description);
  for (const flag of definition.flags ?? []) {
    const placeholder = flag.placeholder === null ? '' : ` ${flag.placeholder ?? '<value>'}`;
    const option = new Option(`--${flag.name}${placeholder}`, flag.description);
    if (flag.default !== undefined) option.default(flag.default);
    command.addOption(option);
  }
  addRunDirOptions(addCommonRunOptions(command)).action(async (raw: Record<string, unknown>, self: Command) => {
    const taskOptions = definition.options?.(taskFlagValues(definition, raw)) ?? {};
    const common = resolveCommonRunOptions(raw);
    requireSimFor(definition, common);
    const task: RunnableTask = definition.build(taskOptions, { seed: common.seed });
    // The task's own needs fill in settings the user left at their defaults.
    const wanted = definition.runDefaults?.(task, taskOptions) ?? {};
    const unset = (key: string) => self.getOptionValueSource(key) === undefined || self.getOptionValueSource(key) === 'default';
    const options: CommonRunOptions = {
      ...common,
      ...(wanted.extraOutputTokens !== undefined && unset('maxOutputTokens') ? { maxOutputTokens: common.maxOutputTokens + wanted.extraOutputTokens } : {}),
      ...(wanted.contextBudget !== undefined && unset('contextBudget') ? { contextBudget: wanted.contextBudget } : {}),
    };
    checkFirstPrompt(task, options.contextBudget);
    const report = (result: RunResult<any>) => definition.report?.(task, result, taskOptions);
    if (raw['runDir'] !== undefined || raw['force'] === true || raw['store'] !== undefined || raw['runId'] !== undefined || raw['wait'] === true) {
      await runInDirectory(context, raw, { definition, task, taskOptions, ...(module === undefined ? {} : { module }) }, options);
      return;
    }
    let progress: ProgressReporter | undefined;
    const notice = (line: string) => (progress === undefined ? context.stderr.write(line) : progress.note(line));
    const dispatcher = buildDispatcher({ ...options, ...(definition.sim === undefined ? {} : { behaviour: definition.sim }), notice });
    const total = taskLength(task);
    const shown = createProgress(context.stderr, total, options.progress);
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
      const summary = report(result);
      printRun(context, result, summary, options.json, { maxOutputTokens: options.maxOutputTokens });
      const signal = interrupt.received();
      if (result.stopReason === 'interrupted' && signal !== undefined) {
        context.stderr.write(`maker: interrupted by ${signal} at step ${result.totals.steps}${total === undefined ? '' : ` of ${total}`}; a run without --run-dir cannot be resumed\n`);
        context.exitCode = signalExitCode(signal)!;
      } else {
        context.exitCode = exitCodeOf(result, summary);
      }
    } finally {
      shown.stop();
      interrupt.dispose();
    }
  });
  return command;
}

/** Registers `maker run` with every built-in task. */
export function registerRun(program: Command, context: CommandContext): void {
  for (const definition of Object.values(TASKS)) registerTaskRun(program, context, definition);
}
