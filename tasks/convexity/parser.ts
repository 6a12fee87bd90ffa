/**
 * A recursive-descent parser for the expression syntax (CVXPY's, without the `cp.` prefix). Precedence is
 * Python's: unary minus binds tighter than `*` and `/`, which bind tighter than `+` and `-`; binary operators
 * associate to the left. Errors say what was expected, what was found, and at which column.
 */
import { atomSpec, ATOM_NAMES, isAtomName } from './atoms.ts';
import { binary, call, constant, negate, power, variable, type Expr } from './ast.ts';
import { tokenize, type Token } from './lexer.ts';
import { ExpressionSyntaxError } from './syntax-error.ts';

/** The outcome of parsing: the AST, or the error with its position. */
export type ParseOutcome =
  | { readonly ok: true; readonly expr: Expr }
  | { readonly ok: false; readonly error: ExpressionSyntaxError };

/** Parses an expression, never throwing for bad text. */
export function safeParseExpression(text: string): ParseOutcome {
  try {
    return { ok: true, expr: parseExpression(text) };
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return { ok: false, error };
    throw error;
  }
}

/** Parses an expression; throws `ExpressionSyntaxError` (an `InputError`) for bad text. */
export function parseExpression(text: string): Expr {
  const parser = new Parser(tokenize(text));
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of input' : `\`${token.text}\``;
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private fail(expected: string, token: Token = this.peek()): never {
    throw new ExpressionSyntaxError(`Expected ${expected}`, token.position, `, found ${describe(token)}`);
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind === ')') throw new ExpressionSyntaxError('Unbalanced parentheses: `)`', token.position, ' has no matching `(`');
    if (token.kind !== 'end') this.fail('an operator or end of input', token);
  }

  /** expression := term (('+' | '-') term)* */
  expression(): Expr {
    let left = this.term();
    for (let token = this.peek(); token.kind === '+' || token.kind === '-'; token = this.peek()) {
      this.next();
      left = binary(token.kind, left, this.term());
    }
    return left;
  }

  /** term := unary (('*' | '/') unary)* */
  private term(): Expr {
    let left = this.unary();
    for (let token = this.peek(); token.kind === '*' || token.kind === '/'; token = this.peek()) {
      this.next();
      left = binary(token.kind, left, this.unary());
    }
    return left;
  }

  /** unary := '-' unary | primary */
  private unary(): Expr {
    if (this.peek().kind === '-') {
      this.next();
      return negate(this.unary());
    }
    return this.primary();
  }

  /** primary := number | variable | atom '(' arguments ')' | '(' expression ')' */
  private primary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case 'number':
        this.next();
        return constant(this.numberValue(token));
      case 'identifier':
        this.next();
        return this.peek().kind === '(' ? this.application(token) : this.variableNamed(token);
      case '(': {
        this.next();
        const inner = this.expression();
        if (this.peek().kind !== ')') {
          const found = this.peek();
          if (found.kind === 'end') {
            throw new ExpressionSyntaxError('Unbalanced parentheses: expected `)`', found.position, `, found end of input (to close the \`(\` at column ${token.position + 1})`);
          }
          throw new ExpressionSyntaxError('Expected `)`', found.position, `, found ${describe(found)} (to close the \`(\` at column ${token.position + 1})`);
        }
        this.next();
        return inner;
      }
      default:
        return this.fail('an expression (a number, a variable, an atom call or `(`)', token);
    }
  }

  private numberValue(token: Token): number {
    const value = Number(token.text);
    if (!Number.isFinite(value)) throw new ExpressionSyntaxError(`Number \`${token.text}\` is out of range`, token.position);
    return value;
  }

  private variableNamed(token: Token): Expr {
    if (isAtomName(token.text)) this.fail(`\`(\` after atom \`${token.text}\``);
    return variable(token.text);
  }

  private application(name: Token): Expr {
    if (!isAtomName(name.text)) {
      throw new ExpressionSyntaxError(`Unknown atom \`${name.text}\``, name.position, `; expected one of ${ATOM_NAMES.join(', ')}`);
    }
    const open = this.next();
    if (name.text === 'power') return this.powerApplication(name, open);
    const args: Expr[] = [];
    if (this.peek().kind !== ')') {
      args.push(this.expression());
      while (this.peek().kind === ',') {
        this.next();
        args.push(this.expression());
      }
    }
    this.closeArguments(name, open);
    const spec = atomSpec(name.text);
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const wanted =
        spec.maxArgs === Infinity
          ? `at least ${spec.minArgs} arguments`
          : `${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'}`;
      throw new ExpressionSyntaxError(`Atom \`${name.text}\``, name.position, ` takes ${wanted}, got ${args.length}`);
    }
    return call(name.text, args);
  }

  /** power '(' expression ',' ['-'] number ')' — the exponent must be a nonzero numeric literal. */
  private powerApplication(name: Token, open: Token): Expr {
    const base = this.expression();
    if (this.peek().kind !== ',') {
      if (this.peek().kind === ')') throw new ExpressionSyntaxError('Atom `power`', name.position, ' takes 2 arguments (base and exponent), got 1');
      this.fail('`,` before the exponent of `power`');
    }
    this.next();
    const sign = this.peek().kind === '-' ? this.next() : undefined;
    const literal = this.peek();
    if (literal.kind !== 'number') this.fail('a numeric literal exponent for `power`', literal);
    this.next();
    const magnitude = this.numberValue(literal);
    if (magnitude === 0) throw new ExpressionSyntaxError('Exponent of `power`', (sign ?? literal).position, ' must be nonzero (`power(a, 0)` is the constant 1)');
    if (this.peek().kind === ',') throw new ExpressionSyntaxError('Atom `power`', name.position, ' takes 2 arguments (base and exponent), got more');
    this.closeArguments(name, open);
    return power(base, sign === undefined ? magnitude : -magnitude);
  }

  private closeArguments(name: Token, open: Token): void {
    const token = this.peek();
    if (token.kind === ')') {
      this.next();
      return;
    }
    if (token.kind === 'end') {
      throw new ExpressionSyntaxError('Unbalanced parentheses: expected `)`', token.position, `, found end of input (to close \`${name.text}(\` at column ${open.position + 1})`);
    }
    throw new ExpressionSyntaxError(`Expected \`,\` or \`)\` in the arguments of \`${name.text}\``, token.position, `, found ${describe(token)}`);
  }
}
