/**
 * The AST flattened bottom-up: every node after its children, each child referred to by index. This is the
 * order a scheduler labels nodes in, each from its direct children's labels only.
 */
import { children, type Expr } from './ast.ts';

/** One node of the post-order, with the indices of its direct children in that same order. */
export interface PostOrderNode {
  readonly index: number;
  readonly node: Expr;
  readonly children: readonly number[];
}

/** The expression's nodes in post-order (children left to right, then the node); the root is last. */
export function postOrder(expr: Expr): readonly PostOrderNode[] {
  const out: PostOrderNode[] = [];
  const visit = (node: Expr): number => {
    const childIndices = children(node).map(visit);
    out.push({ index: out.length, node, children: childIndices });
    return out.length - 1;
  };
  visit(expr);
  return out;
}
