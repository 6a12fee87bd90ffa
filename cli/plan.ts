/**
 * `maker plan`: which model, margin k and steps per call m reach a target whole-task success for the fewest
 * expected dollars, among the paper's profiles (all by default).
 */
import type { Command } from 'commander';
import { defaultOutputCap, findProfile, MODEL_PROFILES, PAPER_OUTPUT_CAP } from '../models/profiles.ts';
import { resolveProfile } from '../models/sim-model.ts';
import { plan, plannerProfileFrom, type PlanCandidate } from '../planning/planner.ts';
import { nonNegativeFlag, survivalFlag } from './estimate.ts';
import { integerFlag, numberFlag } from './flags.ts';
import type { CommandContext } from './context.ts';
import { columns, count, dollars, probability } from './table.ts';

/** The output cap `maker run` gives a profile by default (its red flag for over-long answers). */
const capOf = (profile: string) => defaultOutputCap(findProfile(profile));

function candidateJson(candidate: PlanCandidate): Record<string, unknown> {
  if (candidate.kind === 'infeasible') return { ...candidate };
  const { estimate } = candidate;
  return {
    kind: candidate.kind,
    profile: candidate.profile,
    m: candidate.m,
    k: candidate.k,
    maxOutputTokens: capOf(candidate.profile),
    p: estimate.p,
    pStep: estimate.pStep,
    pFull: estimate.pFull,
    expectedSamplesPerStep: estimate.expectedSamplesPerStep,
    expectedSamples: estimate.expectedSamples,
    expectedCostUsd: estimate.expectedCostUsd,
  };
}

/** Registers `maker plan --steps S --target T [--profile NAME ...] [--max-m M] [--json]`. */
export function registerPlan(program: Command, context: CommandContext): void {
  program
    .command('plan')
    .description('cheapest model, k and steps per call that reach a target success, from the paper profiles')
    .requiredOption('--steps <s>', 'steps in the task')
    .requiredOption('--target <t>', 'target probability that the whole task succeeds, in (0, 1)')
    .option('--profile <name>', 'a profile to consider (repeatable; default: all)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--max-m <m>', 'largest number of steps per call to consider', '1')
    .option('--input-tokens <n>', 'prompt tokens per call', '0')
    .option('--v <v>', 'probability that a response survives red-flagging, in (0, 1]', '1')
    .option('--json', 'print one JSON object')
    .action((raw: Record<string, unknown>) => {
      const steps = integerFlag('steps', String(raw['steps']), 1);
      const target = numberFlag('target', String(raw['target']), 0, 1, true);
      const maxM = integerFlag('max-m', String(raw['maxM']), 1, 64);
      const inputTokens = nonNegativeFlag('input-tokens', String(raw['inputTokens']));
      const v = survivalFlag('v', String(raw['v']));
      const names = raw['profile'] as string[];
      const chosen = names.length === 0 ? MODEL_PROFILES : names.map((name) => resolveProfile(name));
      const result = plan({ steps, target, maxM, profiles: chosen.map((profile) => plannerProfileFrom(profile, { v, inputTokens })) });
      if (raw['json'] === true) {
        const best = result.kind === 'planned' ? candidateJson(result.best) : null;
        context.stdout.write(`${JSON.stringify({ steps, target, maxM, inputTokens, v, kind: result.kind, best, candidates: result.candidates.map(candidateJson) })}\n`);
        return;
      }
      const notes = result.candidates.some((candidate) => candidate.kind === 'infeasible');
      const rows = result.candidates.map((candidate) => {
        const cells =
          candidate.kind === 'feasible'
            ? [candidate.profile, String(candidate.m), String(candidate.k), probability(candidate.estimate.pFull), count(candidate.estimate.expectedSamples), dollars(candidate.estimate.expectedCostUsd)]
            : [candidate.profile, String(candidate.m), '-', '-', '-', '-'];
        return notes ? [...cells, candidate.kind === 'infeasible' ? candidate.reason : ''] : cells;
      });
      const header = ['profile', 'm', 'k', 'pFull', 'samples', 'cost', ...(notes ? ['note'] : [])];
      context.stdout.write(columns(header, rows, [1, 2, 4, 5]));
      context.stdout.write(
        result.kind === 'planned'
          ? `best: ${result.best.profile} with k = ${result.best.k}${result.best.m === 1 ? '' : `, m = ${result.best.m}`}, ${dollars(result.best.estimate.expectedCostUsd)} expected${
              capOf(result.best.profile) === PAPER_OUTPUT_CAP ? '' : ` (at maker run's output cap for it, ${count(capOf(result.best.profile))} tokens)`
            }\n`
          : 'no profile reaches the target\n',
      );
    });
}
