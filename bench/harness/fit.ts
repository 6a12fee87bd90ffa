/**
 * Fits of measured cost against candidate growth laws. Costs span many orders of magnitude, so fits are done on
 * logarithms: the model `y = c · f(x)` is fitted by least squares on `ln y - ln f(x)` (which weighs every point's
 * relative error equally, rather than letting the largest x decide), and judged by the root-mean-square of the
 * log residuals — about the typical relative error of the fit.
 */
import { InputError } from '../../core/errors.ts';

/** One measured point. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A one-term growth law. */
export interface GrowthLaw {
  readonly name: string;
  readonly f: (x: number) => number;
}

/** The fit of one law to the points. */
export interface LawFit {
  readonly name: string;
  /** The fitted constant c in `y = c · f(x)`. */
  readonly coefficient: number;
  /** Root-mean-square of `ln y - ln(c f(x))`. */
  readonly rmsLogResidual: number;
  /** Largest absolute log residual. */
  readonly maxLogResidual: number;
  /** 1 - SS_residual / SS_total on ln y. */
  readonly r2Log: number;
  /** Log residual per point, in input order. */
  readonly residuals: readonly number[];
}

/** The three laws the MAKER cost claim is tested against: linear, `s ln s` (the paper's) and quadratic. */
export const COST_LAWS: readonly GrowthLaw[] = [
  { name: 's', f: (s) => s },
  { name: 's ln s', f: (s) => s * Math.log(s) },
  { name: 's^2', f: (s) => s * s },
];

/** Fits `y = c · f(x)` in log space. Needs at least one point with x, y > 0 and f(x) > 0. */
export function fitLaw(points: readonly Point[], law: GrowthLaw): LawFit {
  const usable = points.filter((point) => point.x > 0 && point.y > 0 && law.f(point.x) > 0);
  if (usable.length === 0) throw new InputError(`Expected a point with x, y and f(x) > 0 to fit \`${law.name}\` to, got none of \`${points.length}\` points`);
  const offsets = usable.map((point) => Math.log(point.y) - Math.log(law.f(point.x)));
  const logC = offsets.reduce((a, b) => a + b, 0) / offsets.length;
  const residuals = offsets.map((offset) => offset - logC);
  const logs = usable.map((point) => Math.log(point.y));
  const meanLog = logs.reduce((a, b) => a + b, 0) / logs.length;
  const total = logs.reduce((sum, value) => sum + (value - meanLog) ** 2, 0);
  const residual = residuals.reduce((sum, value) => sum + value * value, 0);
  return {
    name: law.name,
    coefficient: Math.exp(logC),
    rmsLogResidual: Math.sqrt(residual / residuals.length),
    maxLogResidual: Math.max(...residuals.map(Math.abs)),
    r2Log: total === 0 ? 1 : 1 - residual / total,
    residuals,
  };
}

/** Fits every law; the result is sorted best (smallest RMS log residual) first. */
export function fitLaws(points: readonly Point[], laws: readonly GrowthLaw[] = COST_LAWS): LawFit[] {
  return laws.map((law) => fitLaw(points, law)).sort((a, b) => a.rmsLogResidual - b.rmsLogResidual);
}

/** The exponent b of a free power law `y = a · x^b`, fitted by least squares on logs. */
export function powerLawExponent(points: readonly Point[]): number {
  const usable = points.filter((point) => point.x > 0 && point.y > 0);
  const xs = usable.map((point) => Math.log(point.x));
  const ys = usable.map((point) => Math.log(point.y));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new InputError('Expected at least one value for a median, got `[]`');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** An ordinary least-squares line `y = intercept + slope · x`. */
export interface LineFit {
  readonly intercept: number;
  readonly slope: number;
  /** Standard error of the slope (NaN with fewer than three points). */
  readonly slopeStdError: number;
  readonly r2: number;
}

/** Fits a straight line by ordinary least squares. */
export function fitLine(points: readonly Point[]): LineFit {
  const n = points.length;
  const mx = points.reduce((sum, point) => sum + point.x, 0) / n;
  const my = points.reduce((sum, point) => sum + point.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const { x, y } of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  const intercept = my - slope * mx;
  const residual = points.reduce((sum, { x, y }) => sum + (y - intercept - slope * x) ** 2, 0);
  return {
    intercept,
    slope,
    slopeStdError: n > 2 && sxx > 0 ? Math.sqrt(residual / (n - 2) / sxx) : Number.NaN,
    r2: syy === 0 ? 1 : 1 - residual / syy,
  };
}
