/**
 * Model profiles from the MAKER paper's table (20-disk Hanoi, t = 0.95), kept as data in one place. The
 * simulated model, the reliability math, the planner and calibration all read them from here.
 *
 * From the paper: `errorRate` (1 - p), `tokensPerResponse`, `outputUsdPerMillion`, and the paper's own `kMin`
 * and expected cost. Not in the paper: `inputUsdPerMillion`, which is each vendor's list price for input tokens
 * as we found it (an assumption, marked as such in docs), used so costs count prompt tokens too.
 */

/** One model's measured behaviour and prices. */
export interface ModelProfile {
  /** Profile name as used after `sim:` (`sim:gpt-4.1-mini`). */
  readonly name: string;
  /** What the paper calls the model. */
  readonly paperName: string;
  /** Per-step error rate of a valid response, 1 - p. */
  readonly errorRate: number;
  /** Mean output tokens per response. */
  readonly tokensPerResponse: number;
  /** US dollars per million output tokens (the paper's figure). */
  readonly outputUsdPerMillion: number;
  /** US dollars per million input tokens (list price; not from the paper). */
  readonly inputUsdPerMillion: number;
  /** The paper's k_min for s = 1,048,575 and t = 0.95; undefined where the paper gives none. */
  readonly paperKMin: number | undefined;
  /** The paper's expected cost in dollars for that run; undefined where the paper gives none. */
  readonly paperCostUsd: number | undefined;
}

/** Every profile, in the paper's order. */
export const MODEL_PROFILES: readonly ModelProfile[] = [
  { name: 'gpt-4.1-nano', paperName: 'gpt-4.1-nano', errorRate: 0.3571, tokensPerResponse: 842, outputUsdPerMillion: 0.4, inputUsdPerMillion: 0.1, paperKMin: 29, paperCostUsd: 41_900 },
  { name: 'gpt-4.1-mini-t1', paperName: 'gpt-4.1-mini (temperature 1.0)', errorRate: 0.004, tokensPerResponse: 580, outputUsdPerMillion: 1.6, inputUsdPerMillion: 0.4, paperKMin: 4, paperCostUsd: 4_900 },
  { name: 'gpt-4.1-mini', paperName: 'gpt-4.1-mini (temperature 0.1)', errorRate: 0.0022, tokensPerResponse: 538, outputUsdPerMillion: 1.6, inputUsdPerMillion: 0.4, paperKMin: 3, paperCostUsd: 3_500 },
  { name: 'o3-mini', paperName: 'o3-mini (low)', errorRate: 0.0018, tokensPerResponse: 535, outputUsdPerMillion: 4.4, inputUsdPerMillion: 1.1, paperKMin: 3, paperCostUsd: 9_400 },
  { name: 'claude-haiku-4.5', paperName: 'claude haiku-4.5', errorRate: 0.1839, tokensPerResponse: 588, outputUsdPerMillion: 5.0, inputUsdPerMillion: 1.0, paperKMin: 12, paperCostUsd: 71_200 },
  { name: 'llama-3.2-3b', paperName: 'llama-3.2-3B', errorRate: 1.0, tokensPerResponse: 434, outputUsdPerMillion: 0.06, inputUsdPerMillion: 0.06, paperKMin: undefined, paperCostUsd: undefined },
  { name: 'gpt-oss-20b', paperName: 'gpt-oss-20B', errorRate: 0.0358, tokensPerResponse: 1104, outputUsdPerMillion: 0.2, inputUsdPerMillion: 0.05, paperKMin: 6, paperCostUsd: 1_700 },
  { name: 'qwen3', paperName: 'qwen3', errorRate: 0.2342, tokensPerResponse: 449, outputUsdPerMillion: 0.6, inputUsdPerMillion: 0.2, paperKMin: 15, paperCostUsd: 11_500 },
  { name: 'deepseek-v3.1', paperName: 'deepseek-v3.1', errorRate: 0.0569, tokensPerResponse: 1004, outputUsdPerMillion: 1.7, inputUsdPerMillion: 0.56, paperKMin: 6, paperCostUsd: 14_600 },
  { name: 'kimi-k2', paperName: 'kimi-k2', errorRate: 0.0393, tokensPerResponse: 925, outputUsdPerMillion: 3.0, inputUsdPerMillion: 0.6, paperKMin: 6, paperCostUsd: 22_900 },
];

/** The profile of that name, or undefined. */
export function findProfile(name: string): ModelProfile | undefined {
  return MODEL_PROFILES.find((profile) => profile.name === name);
}

/** The paper's output cap and over-long red flag, in output tokens (set for gpt-4.1-mini's 538-token answers). */
export const PAPER_OUTPUT_CAP = 750;

/**
 * The output cap (which is also the over-long red flag) that suits a profile: the paper's 750 tokens, raised to
 * 1.4 times the mean answer (rounded up to 50) for profiles whose ordinary answers are longer than 750 / 1.25
 * tokens. Otherwise nearly every ordinary answer of, say, gpt-oss-20b (1,104 tokens on average) is cut at the cap
 * and red-flagged, and no step decides. 750 for a model without a profile.
 */
export function defaultOutputCap(profile: ModelProfile | undefined): number {
  const mean = profile?.tokensPerResponse;
  if (mean === undefined || mean * 1.25 <= PAPER_OUTPUT_CAP) return PAPER_OUTPUT_CAP;
  return Math.ceil((1.4 * mean) / 50) * 50;
}

/** The default output cap for the models of a run (`sim:NAME` or `openai:NAME`): the largest any of them needs. */
export function defaultOutputCapFor(specs: readonly string[]): number {
  return Math.max(PAPER_OUTPUT_CAP, ...specs.map((spec) => defaultOutputCap(findProfile(spec.slice(spec.indexOf(':') + 1)))));
}

/** The names of all profiles, for error messages and help. */
export function profileNames(): string[] {
  return MODEL_PROFILES.map((profile) => profile.name);
}
