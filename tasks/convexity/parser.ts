/**
 * The parser of the expression syntax (CVXPY's, without the `cp.` prefix). Precedence is Python's: unary minus
 * binds tighter than `*` and `/`, which bind tighter than `+` and `-`; binary operators associate to the left.
 * Errors say what was expected, what was found, and at which column.
 *
 * It reads the grammar below left to right with one token of lookahead, as a recursive-descent parser would,
 * but keeps its own stack of open groups and calls instead of recursing: a line of 10,000 nested `exp(` must
 * parse, not overflow the call stack.
 *
 *   expression := term (('+' | '-') term)*
 *   term       := unary (('*' | '/') unary)*
 *   unary      := '-' unary | primary
 *   primary    := number | variable | atom '(' arguments ')' | 'power' '(' expression ',' ['-'] number ')' | '(' expression ')'
 */
import { atomSpec, ATOM_NAMES, isAtomName, type AtomName } from './atoms.ts';
import { binary, call, constant, isLiteralZero, negate, power, variable, type BinaryOperator, type Expr } from './ast.ts';
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
  return new Parser(text, tokenize(text)).parse();
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of input' : `\`${token.text}\``;
}

/**
 * An operator still waiting for its right operand: a unary minus, or a binary operator with its left operand and
 * the offset where its right operand starts (to point at a zero divisor).
 */
type PendingOperator =
  | { readonly kind: 'negate' }
  | { readonly kind: 'binary'; readonly op: BinaryOperator; readonly left: Expr; readonly rightAt: number };

/** How tightly an operator binds; a pending operator is applied before a new one that binds no tighter. */
const BINDING: Readonly<Record<'negate' | BinaryOperator, number>> = { '+': 1, '-': 1, '*': 2, '/': 2, negate: 3 };

function bindingOf(pending: PendingOperator): number {
  return pending.kind === 'negate' ? BINDING.negate : BINDING[pending.op];
}

function isBinaryOperator(kind: Token['kind']): kind is BinaryOperator {
  return kind === '+' || kind === '-' || kind === '*' || kind === '/';
}

/**
 * One expression being read: the whole input, a parenthesized group, or the arguments of an atom call. Each
 * holds the operators still waiting for an operand, innermost last.
 */
type Frame =
  | { readonly kind: 'input'; readonly pending: PendingOperator[] }
  | { readonly kind: 'group'; readonly open: Token; readonly pending: PendingOperator[] }
  | CallFrame
  | { readonly kind: 'power'; readonly name: Token; readonly open: Token; readonly pending: PendingOperator[] };

/** The arguments of an atom other than `power`, those read so far in `args`. */
interface CallFrame {
  readonly kind: 'call';
  readonly atom: Exclude<AtomName, 'power'>;
  readonly name: Token;
  readonly open: Token;
  readonly args: Expr[];
  readonly pending: PendingOperator[];
}

class Parser {
  private index = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

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

  /**
   * Applies the pending operators that bind at least as tightly as `binding` to `operand`, innermost first.
   * A division by a literal zero is refused here, as Python refuses `1/0`: no label of it would mean anything.
   */
  private reduce(pending: PendingOperator[], operand: Expr, binding: number): Expr {
    let result = operand;
    for (let top = pending.at(-1); top !== undefined && bindingOf(top) >= binding; top = pending.at(-1)) {
      pending.pop();
      if (top.kind === 'negate') {
        result = negate(result);
        continue;
      }
      if (top.op === '/' && isLiteralZero(result)) {
        const last = this.tokens[this.index - 1]!;
        const divisor = this.text.slice(top.rightAt, last.position + last.text.length);
        throw new ExpressionSyntaxError('Division by zero', top.rightAt, `: the divisor \`${divisor}\` is zero`);
      }
      result = binary(top.op, top.left, result);
    }
    return result;
  }

  /** The whole input as one expression, then its end. */
  parse(): Expr {
    const frames: Frame[] = [{ kind: 'input', pending: [] }];
    // The operand just read, or undefined while the parser is at an operand position.
    let operand: Expr | undefined;
    for (;;) {
      const frame = frames.at(-1)!;
      if (operand === undefined) {
        operand = this.operand(frames);
        continue;
      }
      const token = this.peek();
      if (isBinaryOperator(token.kind)) {
        const left = this.reduce(frame.pending, operand, BINDING[token.kind]);
        this.next();
        frame.pending.push({ kind: 'binary', op: token.kind, left, rightAt: this.peek().position });
        operand = undefined;
        continue;
      }
      // Anything but a binary operator ends the frame's current expression.
      const value = this.reduce(frame.pending, operand, 0);
      if (frame.kind === 'input') {
        this.expectEnd();
        return value;
      }
      operand = this.endOfExpression(frame, value);
      if (operand !== undefined) frames.pop();
    }
  }

  private expectEnd(): void {
    const token = this.peek();
    if (token.kind === ')') throw new ExpressionSyntaxError('Unbalanced parentheses: `)`', token.position, ' has no matching `(`');
    if (token.kind !== 'end') this.fail('an operator or end of input', token);
  }

  /**
   * At an operand position: reads a number or variable and returns it; or reads a unary minus, or opens a
   * group or call (pushing its frame), and returns undefined, since an operand position follows either way.
   */
  private operand(frames: Frame[]): Expr | undefined {
    const token = this.peek();
    switch (token.kind) {
      case '-':
        this.next();
        frames.at(-1)!.pending.push({ kind: 'negate' });
        return undefined;
      case 'number':
        this.next();
        return constant(this.numberValue(token));
      case 'identifier':
        this.next();
        if (this.peek().kind !== '(') return this.variableNamed(token);
        return this.openApplication(token, frames);
      case '(':
        this.next();
        frames.push({ kind: 'group', open: token, pending: [] });
        return undefined;
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

  /** `name(`: pushes the call's frame, or, for an empty argument list, closes it at once (it has too few). */
  private openApplication(name: Token, frames: Frame[]): Expr | undefined {
    const atom = name.text;
    if (!isAtomName(atom)) {
      throw new ExpressionSyntaxError(`Unknown atom \`${atom}\``, name.position, `; expected one of ${ATOM_NAMES.join(', ')}`);
    }
    const open = this.next();
    if (atom === 'power') {
      frames.push({ kind: 'power', name, open, pending: [] });
      return undefined;
    }
    const frame: CallFrame = { kind: 'call', atom, name, open, args: [], pending: [] };
    if (this.peek().kind === ')') return this.closeCall(frame);
    frames.push(frame);
    return undefined;
  }

  /**
   * The end of a group's expression or of one argument. Returns the finished group or call (its frame is done),
   * or undefined after a `,` between arguments (the next argument's operand position follows).
   */
  private endOfExpression(frame: Exclude<Frame, { kind: 'input' }>, value: Expr): Expr | undefined {
    switch (frame.kind) {
      case 'group':
        return this.closeGroup(frame.open, value);
      case 'power':
        return this.closePower(frame.name, frame.open, value);
      case 'call':
        frame.args.push(value);
        if (this.peek().kind === ',') {
          this.next();
          return undefined;
        }
        return this.closeCall(frame);
    }
  }

  private closeGroup(open: Token, inner: Expr): Expr {
    const found = this.peek();
    if (found.kind !== ')') {
      if (found.kind === 'end') {
        throw new ExpressionSyntaxError('Unbalanced parentheses: expected `)`', found.position, `, found end of input (to close the \`(\` at column ${open.position + 1})`);
      }
      throw new ExpressionSyntaxError('Expected `)`', found.position, `, found ${describe(found)} (to close the \`(\` at column ${open.position + 1})`);
    }
    this.next();
    return inner;
  }

  private closeCall(frame: CallFrame): Expr {
    const { atom, name, open, args } = frame;
    this.closeArguments(name, open);
    const spec = atomSpec(atom);
    if (args.length < spec.minArgs || args.length > spec.maxArgs) {
      const wanted =
        spec.maxArgs === Infinity
          ? `at least ${spec.minArgs} arguments`
          : `${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'}`;
      throw new ExpressionSyntaxError(`Atom \`${atom}\``, name.position, ` takes ${wanted}, got ${args.length}`);
    }
    return call(atom, args);
  }

  /** After the base of `power(`: `,` ['-'] number `)` — the exponent must be a nonzero numeric literal. */
  private closePower(name: Token, open: Token, base: Expr): Expr {
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
