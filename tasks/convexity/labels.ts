/**
 * The DCP labels, with CVXPY's names: a node's curvature and sign. Curvature is reported as the first of
 * CONSTANT, AFFINE, CONVEX, CONCAVE, UNKNOWN that applies; a constant is also affine, convex and concave.
 */

/** Curvature labels in CVXPY's reporting order: the first that applies is the label. */
export const CURVATURES = ['CONSTANT', 'AFFINE', 'CONVEX', 'CONCAVE', 'UNKNOWN'] as const;
/** A DCP curvature label. */
export type Curvature = (typeof CURVATURES)[number];

/** Sign labels. `ZERO` is both nonnegative and nonpositive; variables have `UNKNOWN` sign. */
export const SIGNS = ['ZERO', 'NONNEGATIVE', 'NONPOSITIVE', 'UNKNOWN'] as const;
/** A DCP sign label. */
export type Sign = (typeof SIGNS)[number];

/** What DCP certifies about one expression node. */
export interface Label {
  readonly curvature: Curvature;
  readonly sign: Sign;
}

/** True when the sign is nonnegative (including zero). */
export function isNonneg(sign: Sign): boolean {
  return sign === 'NONNEGATIVE' || sign === 'ZERO';
}

/** True when the sign is nonpositive (including zero). */
export function isNonpos(sign: Sign): boolean {
  return sign === 'NONPOSITIVE' || sign === 'ZERO';
}

/** The sign label of the two facts "is nonnegative" and "is nonpositive". */
export function signOf(nonneg: boolean, nonpos: boolean): Sign {
  if (nonneg && nonpos) return 'ZERO';
  if (nonneg) return 'NONNEGATIVE';
  if (nonpos) return 'NONPOSITIVE';
  return 'UNKNOWN';
}

/** The sign of a negated expression: nonnegative and nonpositive swap. */
export function negateSign(sign: Sign): Sign {
  return signOf(isNonpos(sign), isNonneg(sign));
}

/** The sign of a sum: nonnegative if every term is, nonpositive if every term is, otherwise unknown. */
export function sumSign(signs: readonly Sign[]): Sign {
  return signOf(signs.every(isNonneg), signs.every(isNonpos));
}

/** The sign of a product (or quotient): zero if either is zero; by agreement of known signs otherwise. */
export function productSign(left: Sign, right: Sign): Sign {
  const zero = left === 'ZERO' || right === 'ZERO';
  const nonneg = zero || (isNonneg(left) && isNonneg(right)) || (isNonpos(left) && isNonpos(right));
  const nonpos = zero || (isNonneg(left) && isNonpos(right)) || (isNonpos(left) && isNonneg(right));
  return signOf(nonneg, nonpos);
}

/** True for CONSTANT and AFFINE: usable as an argument wherever the composition rule needs "affine". */
export function isAffine(curvature: Curvature): boolean {
  return curvature === 'CONSTANT' || curvature === 'AFFINE';
}

/** True for every curvature DCP certifies convex (CONSTANT, AFFINE, CONVEX). */
export function isConvex(curvature: Curvature): boolean {
  return isAffine(curvature) || curvature === 'CONVEX';
}

/** True for every curvature DCP certifies concave (CONSTANT, AFFINE, CONCAVE). */
export function isConcave(curvature: Curvature): boolean {
  return isAffine(curvature) || curvature === 'CONCAVE';
}

/** The curvature of a negated expression: CONVEX and CONCAVE swap, the others stay. */
export function negateCurvature(curvature: Curvature): Curvature {
  if (curvature === 'CONVEX') return 'CONCAVE';
  if (curvature === 'CONCAVE') return 'CONVEX';
  return curvature;
}
