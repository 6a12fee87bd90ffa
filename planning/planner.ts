/**
 * Cost planning: for a task of `s` steps and a target success `t`, which model, margin `k` and steps per call `m`
 * reach the target for the fewest expected dollars. For a fixed model and `m` the expected cost grows with `k`,
 * so the cheapest margin is always {@link kMin}; the planner compares models and values of `m` at their `kMin`.
 *
 * Steps per call: a call answering `m` steps is right with probability `p^m` (see `reliability.ts`), writes `m`
 * times the per-step output tokens and reads the same prompt. The planner assumes the red-flag survival `v` does
 * not change with `m`; in practice longer answers are flagged more often, so plans with `m > 1` are optimistic.
 */
import type { ModelProfile } from '../models/profiles.ts';
import { InputError } from '../core/errors.ts';
import { expectInteger, expectNumber } from './expect.ts';
import { estimateRun, type RunEstimate } from './reliability.ts';

/** One model as the planner sees it. */
export interface PlannerProfile {
  /** Name shown in plans. */
  readonly name: string;
  /** Probability that one valid response for a single step is correct. */
  readonly p: number;
  /** Probability that a response survives red-flagging. @default 1 */
  readonly v?: number;
  /** Input (prompt) tokens per call. @default 0 */
  readonly inputTokens?: number;
  /** Output tokens per step answered; a call of `m` steps writes `m` times this. */
  readonly outputTokensPerStep: number;
  /** US dollars per million input tokens. */
  readonly inputUsdPerMillion: number;
  /** US dollars per million output tokens. */
  readonly outputUsdPerMillion: number;
}

/** A planner profile from the paper's table (`core/profiles.ts`): `p = 1 - errorRate`, the paper's tokens and prices. */
export function plannerProfileFrom(profile: ModelProfile, extra: { readonly v?: number; readonly inputTokens?: number } = {}): PlannerProfile {
  return {
    name: profile.name,
    p: 1 - profile.errorRate,
    ...(extra.v === undefined ? {} : { v: extra.v }),
    ...(extra.inputTokens === undefined ? {} : { inputTokens: extra.inputTokens }),
    outputTokensPerStep: profile.tokensPerResponse,
    inputUsdPerMillion: profile.inputUsdPerMillion,
    outputUsdPerMillion: profile.outputUsdPerMillion,
  };
}

/** Inputs of {@link plan}. */
export interface PlanOptions {
  /** Steps in the task, `s`. */
  readonly steps: number;
  /** Target probability that the whole task succeeds, in (0, 1). */
  readonly target: number;
  /** The models to choose among; at least one. */
  readonly profiles: readonly PlannerProfile[];
  /** Largest number of steps per call to consider; every `m` from 1 to this is tried. @default 1 */
  readonly maxM?: number;
}

/** {@link PlanOptions} resolved and checked. */
export interface ResolvedPlanOptions {
  readonly steps: number;
  readonly target: number;
  readonly profiles: readonly Required<PlannerProfile>[];
  readonly maxM: number;
}

/** Fills in defaults and validates; the one place {@link plan}'s options are interpreted. */
export function resolvePlanOptions(options: PlanOptions): ResolvedPlanOptions {
  const steps = expectInteger('steps', options.steps, 1);
  const target = expectNumber('target', options.target, 0, 1, 'both');
  const maxM = expectInteger('maxM', options.maxM ?? 1, 1, 64);
  if (!Array.isArray(options.profiles) || options.profiles.length === 0) {
    throw new InputError(`Expected \`profiles\` to list at least one profile, got \`${JSON.stringify(options.profiles)}\``);
  }
  const profiles = options.profiles.map((profile, i) => {
    const at = `profiles[${i}]`;
    return {
      name: String(profile.name),
      p: expectNumber(`${at}.p`, profile.p, 0, 1),
      v: expectNumber(`${at}.v`, profile.v ?? 1, 0, 1, 'min'),
      inputTokens: expectNumber(`${at}.inputTokens`, profile.inputTokens ?? 0, 0, Infinity),
      outputTokensPerStep: expectNumber(`${at}.outputTokensPerStep`, profile.outputTokensPerStep, 0, Infinity),
      inputUsdPerMillion: expectNumber(`${at}.inputUsdPerMillion`, profile.inputUsdPerMillion, 0, Infinity),
      outputUsdPerMillion: expectNumber(`${at}.outputUsdPerMillion`, profile.outputUsdPerMillion, 0, Infinity),
    };
  });
  return { steps, target, profiles, maxM };
}

/** One (model, m) option: feasible with its cheapest margin, or why it cannot reach the target. */
export type PlanCandidate =
  | { readonly kind: 'feasible'; readonly profile: string; readonly m: number; readonly k: number; readonly estimate: RunEstimate }
  | { readonly kind: 'infeasible'; readonly profile: string; readonly m: number; readonly reason: string };

/** The cheapest feasible option, if any, and every option considered, cheapest first, infeasible ones last. */
export type Plan =
  | { readonly kind: 'planned'; readonly best: Extract<PlanCandidate, { kind: 'feasible' }>; readonly candidates: readonly PlanCandidate[] }
  | { readonly kind: 'infeasible'; readonly candidates: readonly PlanCandidate[] };

/**
 * Recommends the model, margin `k` and steps per call `m` that reach `target` for the fewest expected dollars
 * (ties: fewer expected samples, then smaller `m`). Every option's margin is its {@link kMin}.
 */
export function plan(options: PlanOptions): Plan {
  const { steps, target, profiles, maxM } = resolvePlanOptions(options);
  const candidates: PlanCandidate[] = [];
  for (const profile of profiles) {
    for (let m = 1; m <= Math.min(maxM, steps); m++) {
      let estimate: RunEstimate;
      try {
        estimate = estimateRun({
          p: profile.p,
          steps,
          target,
          m,
          v: profile.v,
          inputTokens: profile.inputTokens,
          outputTokens: profile.outputTokensPerStep * m,
          inputUsdPerMillion: profile.inputUsdPerMillion,
          outputUsdPerMillion: profile.outputUsdPerMillion,
        });
      } catch (error) {
        // Every option was validated above, so the only refusal left is a call that is not right more often
        // than not: no margin converges.
        if (!(error instanceof InputError)) throw error;
        const pCall = profile.p ** m;
        const reason = m === 1 ? `p = ${profile.p} is not above 0.5` : `p^${m} = ${pCall.toPrecision(4)} is not above 0.5`;
        candidates.push({ kind: 'infeasible', profile: profile.name, m, reason });
        continue;
      }
      candidates.push({ kind: 'feasible', profile: profile.name, m, k: estimate.k, estimate });
    }
  }
  const rank = (candidate: PlanCandidate): [number, number, number] =>
    candidate.kind === 'feasible' ? [candidate.estimate.expectedCostUsd, candidate.estimate.expectedSamples, candidate.m] : [Infinity, Infinity, candidate.m];
  candidates.sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
  });
  const best = candidates[0];
  return best !== undefined && best.kind === 'feasible' ? { kind: 'planned', best, candidates } : { kind: 'infeasible', candidates };
}
