/**
 * The answer format every convexity prompt asks for: the response ends with exactly two lines,
 * `curvature = LABEL` and `sign = LABEL`. The parser is strict (a red flag, never repaired); votes are
 * compared by the pair.
 */
import type { ParseResult } from '../../core/task.ts';
import { CURVATURES, SIGNS, type Curvature, type Label, type Sign } from './labels.ts';

const CURVATURE_LINE = /^curvature = ([A-Z]+)$/;
const SIGN_LINE = /^sign = ([A-Z]+)$/;

/** The two answer lines for a label. */
export function formatAnswer(label: Label): string {
  return `curvature = ${label.curvature}\nsign = ${label.sign}`;
}

/** The vote key of a label: `CURVATURE/SIGN`. */
export function labelKey(label: Label): string {
  return `${label.curvature}/${label.sign}`;
}

/** Strict parse: the last two non-empty lines must be the curvature line and the sign line, with known labels. */
export function parseAnswer(text: string): ParseResult<Label> {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const curvatureLine = CURVATURE_LINE.exec(lines.at(-2) ?? '');
  const signLine = SIGN_LINE.exec(lines.at(-1) ?? '');
  if (curvatureLine === null || signLine === null) return { ok: false, reason: 'expected the answer to end with `curvature = ...` and `sign = ...` lines' };
  const curvature = curvatureLine[1]!;
  const sign = signLine[1]!;
  if (!(CURVATURES as readonly string[]).includes(curvature)) return { ok: false, reason: `unknown curvature \`${curvature}\`` };
  if (!(SIGNS as readonly string[]).includes(sign)) return { ok: false, reason: `unknown sign \`${sign}\`` };
  const value: Label = { curvature: curvature as Curvature, sign: sign as Sign };
  return { ok: true, key: labelKey(value), value };
}
