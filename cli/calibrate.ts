/**
 * `maker calibrate hanoi`: measures a model's per-step accuracy p, red-flag survival v and tokens per response
 * on random steps of the Hanoi trajectory, one call each and no voting, then recommends k from the lower
 * confidence bound of p. Calls go through the dispatcher `maker run` builds, with the same flags: endpoints,
 * retries, rate limits, timeouts and budgets.
 */
import { Option, type Command } from 'commander';
import { DEFAULT_MODEL } from '../models/model-spec.ts';
import { defaultOutputCapFor, findProfile } from '../models/profiles.ts';
import {
  collectCalibrationSamples,
  recommendK,
  stepTaskProbe,
  summarizeCalibration,
  type CalibrationSummary,
  type Interval,
  type IntervalMethod,
  type KRecommendation,
} from '../planning/calibration.ts';
import { createHanoiTask, hanoiStateAt, MAX_DISKS, hanoiSim } from '../tasks/hanoi/index.ts';
import { addDispatchOptions, buildDispatcher, resolveDispatchFlags } from './dispatch-options.ts';
import { choiceFlag, integerFlag, numberFlag } from './flags.ts';
import type { CommandContext } from './context.ts';
import { amount, count, dollars, labelled, probability } from './table.ts';

/** `calibrate`, created on first use, that every task's calibration hangs under. */
function calibrateCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'calibrate') ??
    program.command('calibrate').description("measure a model's per-step accuracy, red-flag rate and tokens, and recommend k")
  );
}

/** The p a simulated profile is built to have, for comparison with the measurement. */
function referenceP(spec: string): number | undefined {
  if (!spec.startsWith('sim:')) return undefined;
  const profile = findProfile(spec.slice(4));
  return profile === undefined ? undefined : 1 - profile.errorRate;
}

function interval(value: Interval | undefined): string {
  return value === undefined ? '-' : `${probability(value.estimate)}  [${probability(value.lower)}, ${probability(value.upper)}]`;
}

function recommendationText(recommendation: KRecommendation, steps: number, target: number): [string, string][] {
  if (recommendation.kind === 'infeasible') return [['k', `none: ${recommendation.reason}`]];
  const { estimate } = recommendation;
  return [
    ['k', `${recommendation.k} for ${count(steps)} steps at target ${target} (at the point estimate: ${recommendation.kAtEstimate})`],
    ['expected', `pFull ${probability(estimate.pFull)}, ${amount(estimate.expectedSamplesPerStep, 5)} samples/step, ${dollars(estimate.expectedCostUsd)}`],
  ];
}

function summaryRows(summary: CalibrationSummary): [string, string][] {
  const flags = Object.entries(summary.redFlags)
    .map(([rule, n]) => `${rule} ${count(n)}`)
    .join(', ');
  return [
    ['samples', `${count(summary.samples)} (${count(summary.valid)} valid, ${count(summary.redFlagged)} red-flagged${flags === '' ? '' : `: ${flags}`}, ${count(summary.failed)} failed)`],
    [`p (${summary.confidence * 100}%)`, interval(summary.p)],
    [`v (${summary.confidence * 100}%)`, interval(summary.v)],
    ['tokens', `${amount(summary.meanInputTokens)} in, ${amount(summary.meanOutputTokens)} out per call`],
  ];
}

/** Registers `maker calibrate hanoi --disks N --samples N [--model SPEC] [--target T] [--seed S] [--json] ...`. */
export function registerCalibrate(program: Command, context: CommandContext): void {
  const command = calibrateCommand(program)
    .command('hanoi')
    .description('calibrate on random steps of the n-disk Hanoi trajectory')
    .requiredOption('--disks <n>', `number of disks, 1 to ${MAX_DISKS}`)
    .requiredOption('--samples <n>', 'calls to make, one per random step')
    .option('--model <spec>', 'sim:PROFILE (simulated) or openai:NAME (OpenAI-compatible endpoint)', DEFAULT_MODEL)
    .option('--base-url <url>', 'base URL for openai: models')
    .addOption(new Option('--api-key <key>', 'API key for openai: models (never printed)').env('OPENAI_API_KEY'))
    .option('--target <t>', 'target whole-task success to recommend k for, in (0, 1)', '0.95')
    .option('--steps <s>', 'task size to recommend k for (default: 2^disks - 1)')
    .option('--seed <seed>', 'seed for step choice and sampling', '0')
    .option('--concurrency <n>', 'calls in flight at once', '8')
    .option('--temperature <t>', 'sampling temperature', '0.1')
    .option('--max-output-tokens <n>', "output cap per call; over-long answers are red-flagged (default: the profile's, 750 for most)")
    .option('--confidence <c>', 'confidence level of the intervals, in (0, 1)', '0.95')
    .option('--method <name>', 'interval method: clopper-pearson (exact) or wilson', 'clopper-pearson')
    .option('--json', 'print one JSON object');
  addDispatchOptions(command).action(async (raw: Record<string, unknown>) => {
    const disks = integerFlag('disks', String(raw['disks']), 1, MAX_DISKS);
    const samples = integerFlag('samples', String(raw['samples']), 1, 10_000_000);
    const target = numberFlag('target', String(raw['target']), 0, 1, true);
    const seed = integerFlag('seed', String(raw['seed']), 0);
    const concurrency = integerFlag('concurrency', String(raw['concurrency']), 1, 10_000);
    const temperature = numberFlag('temperature', String(raw['temperature']), 0, 2);
    const confidence = numberFlag('confidence', String(raw['confidence']), 0, 1, true);
    const method = choiceFlag<IntervalMethod>('method', String(raw['method']), ['clopper-pearson', 'wilson']);
    const spec = String(raw['model']);
    const maxOutputTokens = raw['maxOutputTokens'] === undefined ? defaultOutputCapFor([spec]) : integerFlag('max-output-tokens', String(raw['maxOutputTokens']), 1);
    const task = createHanoiTask({ disks });
    const steps = raw['steps'] === undefined ? task.totalSteps! : integerFlag('steps', String(raw['steps']), 1);
    const dispatcher = buildDispatcher({
      model: spec,
      baseURL: raw['baseUrl'] === undefined ? undefined : String(raw['baseUrl']),
      apiKey: raw['apiKey'] === undefined ? undefined : String(raw['apiKey']),
      seed,
      concurrency,
      dispatch: resolveDispatchFlags(raw),
      behaviour: hanoiSim,
    });
    const outcomes = await collectCalibrationSamples({
      samples,
      probe: stepTaskProbe(task, (step) => hanoiStateAt(disks, step)),
      dispatcher,
      seed,
      concurrency,
      temperature,
      maxOutputTokens,
    });
    const summary = summarizeCalibration(outcomes, { confidence, method });
    // An ensemble's members may differ in price: the estimate is at the first endpoint's.
    const recommendation = recommendK(summary, { steps, target, pricing: dispatcher.endpoints[0]!.model.pricing });
    const reference = referenceP(spec);
    const stopReason = dispatcher.exhausted === undefined ? null : `budget: ${dispatcher.exhausted.budget}`;
    const { retries, faults } = dispatcher.stats;
    if (raw['json'] === true) {
      const json = {
        task: 'hanoi',
        disks,
        model: dispatcher.id,
        seed,
        temperature,
        stopReason,
        retries,
        faults,
        ...summary,
        referenceP: reference ?? null,
        steps,
        target,
        k: recommendation.kind === 'recommended' ? recommendation.k : null,
        kAtEstimate: recommendation.kind === 'recommended' ? recommendation.kAtEstimate : null,
        recommendation,
      };
      context.stdout.write(`${JSON.stringify(json)}\n`);
      return;
    }
    context.stdout.write(
      labelled([
        ['calibrated', `${dispatcher.id} on hanoi (${disks} disks), seed ${seed}, temperature ${temperature}`],
        ...(stopReason === null ? [] : [['stopped', `${stopReason}, after ${count(summary.samples)} of ${count(samples)} samples`] as [string, string]]),
        ...summaryRows(summary),
        ...(retries === 0 ? [] : [['retries', `${count(retries)} after ${Object.entries(faults).map(([kind, n]) => `${kind} ${count(n)}`).join(', ')}`] as [string, string]]),
        ...(reference === undefined ? [] : [['profile p', probability(reference)] as [string, string]]),
        ...recommendationText(recommendation, steps, target),
      ]),
    );
  });
}
