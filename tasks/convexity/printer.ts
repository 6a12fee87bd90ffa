/**
 * The canonical printer: minimal parentheses under Python precedence, one space around binary operators,
 * `, ` between arguments. Parsing the printed text gives back the same AST (parentheses are added exactly where
 * left associativity or precedence would otherwise regroup the tree), and numbers print in a form that reads
 * back to the same double.
 */
import type { Expr } from './ast.ts';

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
  switch (expr.kind) {
    case 'variable':
      return expr.name;
    case 'constant':
      return printNumber(expr.value);
    case 'negate':
      return `-${wrap(printExpression(expr.operand), precedence(expr.operand) < Precedence.Primary)}`;
    case 'binary': {
      const own = precedence(expr);
      const left = wrap(printExpression(expr.left), precedence(expr.left) < own);
      // Same-precedence right operands keep their parentheses: the parser associates to the left. A negation
      // on the right is parenthesized too, for readability (`a - (-b)`, not `a - -b`).
      const right = wrap(printExpression(expr.right), precedence(expr.right) <= own || precedence(expr.right) === Precedence.Unary);
      return `${left} ${expr.op} ${right}`;
    }
    case 'call':
      return `${expr.atom}(${expr.args.map(printExpression).join(', ')})`;
    case 'power':
      return `power(${printExpression(expr.base)}, ${printNumber(expr.p)})`;
  }
}
