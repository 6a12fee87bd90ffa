/**
 * `maker estimate`: what a run is expected to cost and how likely it is to succeed, from a profile of the paper's
 * table or from a given p, with k defaulting to the least margin that reaches the target.
 */
import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { resolveProfile } from '../models/sim-model.ts';
import { estimateRun, undecidedAfter, type RunEstimateOptions } from '../planning/reliability.ts';
import { integerFlag, numberFlag } from './flags.ts';
import type { CommandContext } from './context.ts';
import { amount, count, dollars, labelled, probability } from './table.ts';

/** A flag in (0, 1], such as the red-flag survival `--v`. */
export function survivalFlag(name: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0 || parsed > 1) {
    throw new InputError(`Expected --${name} to be a number in (0, 1], got \`${value}\``);
  }
  return parsed;
}

/** A non-negative number flag: token counts and prices. */
export function nonNegativeFlag(name: string, value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InputError(`Expected --${name} to be a number >= 0, got \`${value}\``);
  }
  return parsed;
}

/** The estimate's inputs, from the flags; the one place they are interpreted. */
export interface EstimateFlags {
  /** The profile the numbers came from, if any. */
  readonly profile: string | undefined;
  readonly options: RunEstimateOptions;
  /** Per-step sample cap whose chance of being hit somewhere is reported (`maker run --max-samples`). */
  readonly maxSamples: number;
  readonly json: boolean;
}

/** Parses and validates `maker estimate` flags (bad values are `InputError`s quoting them). */
export function resolveEstimateFlags(raw: Record<string, unknown>): EstimateFlags {
  const given = (name: string): string | undefined => (raw[name] === undefined ? undefined : String(raw[name]));
  const profileName = given('profile');
  const pText = given('p');
  if (profileName !== undefined && pText !== undefined) {
    throw new InputError(`Expected either --profile or --p, not both, got --profile \`${profileName}\` and --p \`${pText}\``);
  }
  if (profileName === undefined && pText === undefined) throw new InputError('Expected --profile NAME or --p P');
  const profile = profileName === undefined ? undefined : resolveProfile(profileName);
  const p = pText === undefined ? 1 - profile!.errorRate : numberFlag('p', pText, 0.5, 1, true);
  const orDefault = (flag: string, key: string, fallback: number) => {
    const text = given(key);
    return text === undefined ? fallback : nonNegativeFlag(flag, text);
  };
  const k = given('k');
  const options: RunEstimateOptions = {
    p,
    steps: integerFlag('steps', String(raw['steps']), 1),
    target: numberFlag('target', String(raw['target']), 0, 1, true),
    m: integerFlag('m', String(raw['m']), 1),
    v: survivalFlag('v', String(raw['v'])),
    inputTokens: orDefault('input-tokens', 'inputTokens', 0),
    outputTokens: orDefault('output-tokens', 'outputTokens', profile?.tokensPerResponse ?? 0),
    inputUsdPerMillion: orDefault('input-price', 'inputPrice', profile?.inputUsdPerMillion ?? 0),
    outputUsdPerMillion: orDefault('output-price', 'outputPrice', profile?.outputUsdPerMillion ?? 0),
    ...(k === undefined ? {} : { k: integerFlag('k', k, 1, 10_000) }),
  };
  return { profile: profile?.name, options, maxSamples: integerFlag('max-samples', String(raw['maxSamples']), 1, 1_000_000), json: raw['json'] === true };
}

/** Registers `maker estimate (--profile NAME | --p P) --steps S --target T [--k K] [--json] ...`. */
export function registerEstimate(program: Command, context: CommandContext): void {
  program
    .command('estimate')
    .description('expected success, samples and dollars of a run; k defaults to the least margin reaching the target')
    .option('--profile <name>', 'a model profile from the paper (p, output tokens and prices)')
    .option('--p <p>', 'probability that one valid response for a step is correct, in (0.5, 1)')
    .option('--v <v>', 'probability that a response survives red-flagging, in (0, 1]', '1')
    .option('--input-tokens <n>', 'prompt tokens per call (default 0)')
    .option('--output-tokens <n>', "output tokens per call (default: the profile's, else 0)")
    .option('--input-price <usd>', "US dollars per million input tokens (default: the profile's, else 0)")
    .option('--output-price <usd>', "US dollars per million output tokens (default: the profile's, else 0)")
    .requiredOption('--steps <s>', 'steps in the task')
    .requiredOption('--target <t>', 'target probability that the whole task succeeds, in (0, 1)')
    .option('--k <k>', 'voting margin (default: the least k reaching the target)')
    .option('--m <m>', 'steps per call (a call is right with p^m)', '1')
    .option('--max-samples <n>', 'per-step sample cap, as in maker run; reports the chance it is hit', '200')
    .option('--json', 'print one JSON object')
    .action((raw: Record<string, unknown>) => {
      const flags = resolveEstimateFlags(raw);
      const estimate = estimateRun(flags.options);
      const capPerStep = undecidedAfter(estimate.pCall, estimate.k, flags.maxSamples, estimate.v);
      const capHit = capPerStep >= 1 ? 1 : -Math.expm1(estimate.calls * Math.log1p(-capPerStep));
      const result = { profile: flags.profile ?? null, ...estimate, maxSamples: flags.maxSamples, pCapHit: capHit };
      if (flags.json) {
        context.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const source = flags.profile === undefined ? `p = ${estimate.p}` : `${flags.profile} (p = ${estimate.p})`;
      context.stdout.write(
        labelled([
          ['model', `${source}, v = ${estimate.v}`],
          ['steps', `${count(estimate.steps)}${estimate.m === 1 ? '' : ` in calls of m = ${estimate.m}`}, target ${estimate.target}`],
          ['k', `${estimate.k}${flags.options.k === undefined ? ' (least k reaching the target)' : ''}`],
          ['pStep', probability(estimate.pStep)],
          ['pFull', `${probability(estimate.pFull)}${estimate.meetsTarget ? '' : '  (below target)'}`],
          ['samples/step', amount(estimate.expectedSamplesPerStep, 6)],
          ['samples', count(estimate.expectedSamples)],
          ['tokens', `${count(estimate.expectedInputTokens)} in, ${count(estimate.expectedOutputTokens)} out`],
          ['cost', dollars(estimate.expectedCostUsd)],
          [`cap ${flags.maxSamples} hit`, probability(capHit)],
        ]),
      );
    });
}
