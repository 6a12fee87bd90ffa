/**
 * The canonical printer: minimal parentheses under Python precedence, one space around binary operators,
 * `, ` between arguments. Parsing the printed text gives back the same AST (parentheses are added exactly where
 * left associativity or precedence would otherwise regroup the tree), and numbers print in a form that reads
 * back to the same double.
 */
import type { Expr } from './ast.ts';
import { foldBottomUp } from './post-order.ts';

const Precedence = { Sum: 1, Product: 2, Unary: 3, Primary: 4 } as const;
type Precedence = (typeof Precedence)[keyof typeof Precedence];

function precedence(expr: Expr): Precedence {
  switch (expr.kind) {
    case 'binary':
      return expr.op === '+' || expr.op === '-' ? Precedence.Sum : Precedence.Product;
    case 'negate':
      return Precedence.Unary;
    case 'constant':
      // A negative literal (only built programmatically) prints with its minus, so it groups like a negation.
      return expr.value < 0 || Object.is(expr.value, -0) ? Precedence.Unary : Precedence.Primary;
    default:
      return Precedence.Primary;
  }
}

function wrap(text: string, parenthesize: boolean): string {
  return parenthesize ? `(${text})` : text;
}

/** Prints a number so that `Number(text)` is the same value. */
export function printNumber(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** The canonical text of an expression. */
export function printExpression(expr: Expr): string {
  // Bottom-up with an explicit stack (see `foldBottomUp`): deeply nested input must print, not overflow.
  return foldBottomUp<string>(expr, (node, texts) => {
    switch (node.kind) {
      case 'variable':
        return node.name;
      case 'constant':
        return printNumber(node.value);
      case 'negate':
        return `-${wrap(texts[0]!, precedence(node.operand) < Precedence.Primary)}`;
      case 'binary': {
        const own = precedence(node);
        const left = wrap(texts[0]!, precedence(node.left) < own);
        // Same-precedence right operands keep their parentheses: the parser associates to the left. A negation
        // on the right is parenthesized too, for readability (`a - (-b)`, not `a - -b`).
        const right = wrap(texts[1]!, precedence(node.right) <= own || precedence(node.right) === Precedence.Unary);
        return `${left} ${node.op} ${right}`;
      }
      case 'call':
        return `${node.atom}(${texts.join(', ')})`;
      case 'power':
        return `power(${texts[0]!}, ${printNumber(node.p)})`;
    }
  });
}
