/**
 * Composition depth as the reference defines it: the nesting of atom applications. Affine operators add no
 * depth, so `exp(square(x) + 2*y)` has depth 2 and a bare variable or literal has depth 0.
 */
import { isAtomNode, type Expr } from './ast.ts';
import { foldBottomUp } from './post-order.ts';

/** The composition depth of an expression. */
export function compositionDepth(expr: Expr): number {
  return foldBottomUp<number>(expr, (node, depths) => {
    let deepest = 0;
    // A loop, not `Math.max(...depths)`: `maximum` may have more arguments than a call may spread.
    for (const depth of depths) deepest = Math.max(deepest, depth);
    return isAtomNode(node) ? deepest + 1 : deepest;
  });
}

/** Number of nodes in the expression (every node, affine operators and leaves included). */
export function nodeCount(expr: Expr): number {
  return foldBottomUp<number>(expr, (_node, counts) => counts.reduce((sum, count) => sum + count, 1));
}
