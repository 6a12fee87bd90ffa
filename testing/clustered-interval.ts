/**
 * A binomial interval for samples that come in clusters: several samples of the same state are not independent
 * (a hard state stays hard across its samples), so counting them as independent trials would make the interval
 * too narrow and a gate built on it too trusting. The interval is taken at the effective sample size
 * `n / deff`, with Kish's design effect `deff = 1 + (m - 1) ρ`, where `m` is the size-weighted mean cluster size
 * and `ρ` the intraclass correlation estimated by one-way ANOVA (clamped to [0, 1]). With one sample per state,
 * or with no between-state variation beyond chance, `deff` is 1 and the interval is the plain binomial one; with
 * every sample of a state alike, `deff` is the cluster size and the interval is as wide as one sample per state.
 *
 * The coverage is approximate, since `ρ` is estimated from the states at hand: in simulation at 95%, 40 states of
 * 8 samples each (p = 0.9, ρ = 0.6) were covered 92% of the time and 200 states 94%, against 62% for the plain
 * binomial interval over all samples (`clustered-interval.test.ts`). Measure more states rather than more samples
 * per state when the bound matters.
 */
import { binomialInterval, type Interval, type IntervalMethod } from '../planning/calibration.ts';

/** Successes among the trials of one cluster (one state, or one call of a state). */
export interface ClusterCount {
  readonly successes: number;
  readonly trials: number;
}

/** An interval for a clustered proportion, with how much the clustering cost. */
export interface ClusteredInterval extends Interval {
  /** Samples over all clusters. */
  readonly trials: number;
  /** Intraclass correlation of the outcome within clusters (0: independent, 1: every sample of a cluster alike); undefined with no cluster of two or more samples. */
  readonly intraclassCorrelation: number | undefined;
  /** Kish's design effect, `1 + (m - 1) ρ`; 1 when the correlation is undefined. */
  readonly designEffect: number;
  /** The number of independent samples the clustered ones are worth, `floor(trials / designEffect)`, at least 1. */
  readonly effectiveTrials: number;
}

/** The one-way ANOVA estimate of the intraclass correlation of a binary outcome; undefined when it cannot be estimated. */
export function intraclassCorrelation(clusters: readonly ClusterCount[]): number | undefined {
  const used = clusters.filter((cluster) => cluster.trials > 0);
  const groups = used.length;
  const total = used.reduce((sum, cluster) => sum + cluster.trials, 0);
  if (groups < 2 || total === groups) return undefined;
  const mean = used.reduce((sum, cluster) => sum + cluster.successes, 0) / total;
  let between = 0;
  let within = 0;
  let squares = 0;
  for (const { successes, trials } of used) {
    const rate = successes / trials;
    between += trials * (rate - mean) ** 2;
    within += trials * rate * (1 - rate);
    squares += trials * trials;
  }
  const msb = between / (groups - 1);
  const msw = within / (total - groups);
  const n0 = (total - squares / total) / (groups - 1);
  const denominator = msb + (n0 - 1) * msw;
  // Every cluster at the same rate with no spread inside: nothing distinguishes clusters, so nothing is shared.
  if (denominator === 0) return 0;
  return Math.min(1, Math.max(0, (msb - msw) / denominator));
}

/**
 * A two-sided interval for the proportion of successes over clustered samples, at the effective sample size.
 * The estimate is the plain pooled proportion; the interval always contains it.
 */
export function clusteredInterval(clusters: readonly ClusterCount[], confidence = 0.95, method: IntervalMethod = 'clopper-pearson'): ClusteredInterval {
  const used = clusters.filter((cluster) => cluster.trials > 0);
  const trials = used.reduce((sum, cluster) => sum + cluster.trials, 0);
  const successes = used.reduce((sum, cluster) => sum + cluster.successes, 0);
  const rho = intraclassCorrelation(used);
  const weightedSize = trials === 0 ? 0 : used.reduce((sum, cluster) => sum + cluster.trials * cluster.trials, 0) / trials;
  const designEffect = rho === undefined ? 1 : 1 + (weightedSize - 1) * rho;
  const effectiveTrials = Math.max(1, Math.floor(trials / designEffect + 1e-9));
  const estimate = successes / trials;
  if (effectiveTrials === trials) return { ...binomialInterval(successes, trials, confidence, method), trials, intraclassCorrelation: rho, designEffect, effectiveTrials };
  const scaled = binomialInterval(Math.round(estimate * effectiveTrials), effectiveTrials, confidence, method);
  return {
    estimate,
    lower: Math.min(scaled.lower, estimate),
    upper: Math.max(scaled.upper, estimate),
    trials,
    intraclassCorrelation: rho,
    designEffect,
    effectiveTrials,
  };
}
