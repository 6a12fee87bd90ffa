/**
 * The AST flattened bottom-up: every node after its children, each child referred to by index. This is the
 * order a scheduler labels nodes in, each from its direct children's labels only.
 *
 * Every walk over an expression goes through `foldBottomUp`, which keeps its own stack: input text can nest
 * far deeper than the JavaScript call stack (10,000 `exp(` or a 200,000-term left-leaning sum), so no walk may
 * recurse once per level.
 */
import { children, type Expr } from './ast.ts';

/** One node of the post-order, with the indices of its direct children in that same order. */
export interface PostOrderNode {
  readonly index: number;
  readonly node: Expr;
  readonly children: readonly number[];
}

interface Pending {
  readonly node: Expr;
  readonly children: readonly Expr[];
  /** How many children have been pushed for a visit so far. */
  next: number;
}

/**
 * Combines the nodes bottom-up, children left to right before their parent, with an explicit stack: `combine`
 * gets each node with its children's results in argument order; the root's result is returned. A subtree
 * shared by two parents is visited once per parent, as a tree walk would.
 */
export function foldBottomUp<R>(expr: Expr, combine: (node: Expr, childResults: readonly R[]) => R): R {
  const results: R[] = [];
  const stack: Pending[] = [{ node: expr, children: children(expr), next: 0 }];
  for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
    const child = top.children[top.next];
    if (child !== undefined) {
      top.next++;
      stack.push({ node: child, children: children(child), next: 0 });
      continue;
    }
    stack.pop();
    // The node's children are the last `children.length` results, in order.
    const childResults = results.splice(results.length - top.children.length, top.children.length);
    results.push(combine(top.node, childResults));
  }
  return results[0]!;
}

/** The expression's nodes in post-order (children left to right, then the node); the root is last. */
export function postOrder(expr: Expr): readonly PostOrderNode[] {
  const out: PostOrderNode[] = [];
  foldBottomUp<number>(expr, (node, childIndices) => {
    out.push({ index: out.length, node, children: childIndices });
    return out.length - 1;
  });
  return out;
}
