/**
 * Gates: the verdicts a CI check hangs on, judged on the conservative end of an interval, never on the point
 * estimate, so a lucky sample cannot pass a step that is worse than the bar. Runner-agnostic: each gate returns a
 * verdict with a message (what was expected, the estimate with its interval, the seed, the first counterexample),
 * the `assert*` forms throw a {@link GateError}, and `maker-ts/testing/vitest` turns them into matchers.
 */
import { MakerError } from '../core/errors.ts';
import { expectNumber } from '../planning/expect.ts';
import type { MetamorphicMeasurement } from './metamorphic.ts';
import type { StepMeasurement } from './measure-step.ts';

/** What a gate can judge. */
export type Measurement = StepMeasurement<unknown> | MetamorphicMeasurement<unknown>;

/** A gate's verdict; `message` says why it passed or failed. */
export interface GateVerdict {
  readonly pass: boolean;
  readonly message: string;
}

/** A failed gate. Code `E_GATE`. */
export class GateError extends MakerError {
  readonly measurement: Measurement;

  constructor(message: string, measurement: Measurement) {
    super('E_GATE', message);
    this.measurement = measurement;
  }
}

function fmt(value: number): string {
  return String(Number(value.toFixed(5)));
}

function show(value: unknown, limit = 240): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function percent(confidence: number): string {
  return `${Number((confidence * 100).toFixed(2))}%`;
}

/** True when `value` is a measurement from `measureStep` or `measureMetamorphic`. */
export function isMeasurement(value: unknown): value is Measurement {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return value !== null && typeof value === 'object' && (kind === 'step' || kind === 'metamorphic');
}

/** The first counterexample in one line, or undefined when there is none. */
export function describeCounterexample(measurement: Measurement): string | undefined {
  if (measurement.kind === 'step') {
    const first = measurement.counterexamples[0];
    if (first === undefined) return undefined;
    const call = first.call === undefined ? '' : ` call ${first.call}`;
    const shrunk = first.kind === 'shrunk' ? `, shrunk ${first.shrinks} times from state ${first.index} (fast-check path ${first.path})` : ` (state ${first.index})`;
    const answers = first.answers.map(({ key, count }) => `\`${key}\`${count > 1 ? ` x${count}` : ''}`).join(', ');
    return `state ${show(first.state)}${call}${shrunk}: expected \`${first.expected}\`, got ${answers} of ${first.validSamples} valid (request seed ${first.requestSeed}, temperature ${measurement.temperature})`;
  }
  const first = measurement.counterexamples[0];
  if (first === undefined) return undefined;
  const shrunk = first.kind === 'shrunk' ? `, shrunk ${first.shrinks} times from state ${first.index} (fast-check path ${first.path})` : ` (state ${first.index})`;
  return `state ${show(first.state)}${shrunk} answered \`${first.original}\`; its transform ${show(first.transformed)} was answered \`${first.got}\`, the relation asks for \`${first.expected}\` (request seed ${first.requestSeed})`;
}

/** The estimate, interval, counts, model and seed in one line. */
export function describeMeasurement(measurement: Measurement): string {
  const interval = measurement.pInterval === undefined ? 'no valid answer' : `${fmt(measurement.pInterval.estimate)} [${fmt(measurement.pInterval.lower)}, ${fmt(measurement.pInterval.upper)}]`;
  if (measurement.kind === 'step') {
    return `p = ${interval} (${percent(measurement.confidence)}, ${measurement.correct} right of ${measurement.valid} valid, ${measurement.redFlagged} red-flagged, ${measurement.samples} samples on ${measurement.states} states; ${measurement.task} on ${measurement.model}, seed ${measurement.seed})`;
  }
  return `the relation \`${measurement.relation}\` held in ${interval} of pairs (${percent(measurement.confidence)}, ${measurement.held} of ${measurement.validPairs} valid pairs on ${measurement.states} states; ${measurement.task} on ${measurement.model}, seed ${measurement.seed})`;
}

function withCounterexample(message: string, measurement: Measurement): string {
  const first = describeCounterexample(measurement);
  return first === undefined ? message : `${message}; first counterexample: ${first}`;
}

/** Passes when the lower end of `pInterval` is at least `threshold` (a metamorphic measurement's `p` is the share of pairs that kept the relation). */
export function successGate(measurement: Measurement, threshold: number): GateVerdict {
  expectNumber('threshold', threshold, 0, 1);
  const lower = measurement.pInterval?.lower;
  const pass = lower !== undefined && lower >= threshold;
  const bound = `the ${percent(measurement.confidence)} lower bound of ${measurement.kind === 'step' ? 'p' : 'the share of pairs keeping the relation'}`;
  const got = lower === undefined ? 'no valid answer' : fmt(lower);
  const message = pass
    ? `Expected ${bound} to be below ${threshold}, got ${got}: ${describeMeasurement(measurement)}`
    : `Expected ${bound} to be at least ${threshold}, got ${got}: ${describeMeasurement(measurement)}`;
  return { pass, message: pass ? message : withCounterexample(message, measurement) };
}

/** Passes when the upper end of the red-flag rate's interval is at most `rate`. */
export function redFlagGate(measurement: StepMeasurement<unknown>, rate: number): GateVerdict {
  expectNumber('rate', rate, 0, 1);
  const upper = measurement.redFlagRateInterval.upper;
  const pass = upper <= rate;
  const flags = Object.entries(measurement.redFlags)
    .map(([rule, count]) => `${rule} ${count}`)
    .join(', ');
  const detail = `red-flag rate ${fmt(measurement.redFlagRate)} [${fmt(measurement.redFlagRateInterval.lower)}, ${fmt(upper)}] (${flags === '' ? 'none' : flags} of ${measurement.samples} samples; ${measurement.task} on ${measurement.model}, seed ${measurement.seed})`;
  const bound = `the ${percent(measurement.confidence)} upper bound of the red-flag rate`;
  return { pass, message: pass ? `Expected ${bound} to be above ${rate}, got ${fmt(upper)}: ${detail}` : `Expected ${bound} to be at most ${rate}, got ${fmt(upper)}: ${detail}` };
}

/** Throws a {@link GateError} unless {@link successGate} passes. */
export function assertSuccessAtLeast(measurement: Measurement, threshold: number): void {
  const verdict = successGate(measurement, threshold);
  if (!verdict.pass) throw new GateError(verdict.message, measurement);
}

/** Throws a {@link GateError} unless {@link redFlagGate} passes. */
export function assertRedFlagRateAtMost(measurement: StepMeasurement<unknown>, rate: number): void {
  const verdict = redFlagGate(measurement, rate);
  if (!verdict.pass) throw new GateError(verdict.message, measurement);
}
