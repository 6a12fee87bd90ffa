/**
 * One line of `maker convexity label`: parse, label the root, measure depth. A bad line becomes an error record
 * with its column, so one bad expression never stops the rest of the input.
 */
import { labelExpression } from './dcp-labeller.ts';
import { compositionDepth } from './depth.ts';
import type { Curvature, Sign } from './labels.ts';
import { safeParseExpression } from './parser.ts';

/** The JSON record written for one input line. */
export type LabelLineResult =
  | { readonly expr: string; readonly curvature: Curvature; readonly sign: Sign; readonly depth: number }
  | { readonly expr: string; readonly error: string; readonly line: number; readonly column: number };

/** Labels one expression line (`lineNumber` is 1-based, for the error record); columns count from the line's start. */
export function labelLine(text: string, lineNumber: number): LabelLineResult {
  const expr = text.trimEnd();
  const parsed = safeParseExpression(text);
  if (!parsed.ok) {
    return { expr, error: parsed.error.message, line: lineNumber, column: parsed.error.column };
  }
  const label = labelExpression(parsed.expr);
  return { expr, curvature: label.curvature, sign: label.sign, depth: compositionDepth(parsed.expr) };
}
