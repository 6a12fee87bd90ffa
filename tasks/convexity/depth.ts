/**
 * Composition depth as the reference defines it: the nesting of atom applications. Affine operators add no
 * depth, so `exp(square(x) + 2*y)` has depth 2 and a bare variable or literal has depth 0.
 */
import { children, isAtomNode, type Expr } from './ast.ts';

/** The composition depth of an expression. */
export function compositionDepth(expr: Expr): number {
  let deepest = 0;
  for (const child of children(expr)) deepest = Math.max(deepest, compositionDepth(child));
  return isAtomNode(expr) ? deepest + 1 : deepest;
}

/** Number of nodes in the expression (every node, affine operators and leaves included). */
export function nodeCount(expr: Expr): number {
  let count = 1;
  for (const child of children(expr)) count += nodeCount(child);
  return count;
}
