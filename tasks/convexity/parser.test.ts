import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { anyExpr } from './arbitraries.ts';
import { binary, call, constant, negate, power, variable, type CallNode } from './ast.ts';
import { parseExpression, safeParseExpression } from './parser.ts';
import { printExpression } from './printer.ts';
import { ExpressionSyntaxError } from './syntax-error.ts';

describe('parseExpression', () => {
  it('gives unary minus precedence over * and +, as Python does', () => {
    expect(parseExpression('-2 * log(x) + exp(y)')).toEqual(
      binary('+', binary('*', negate(constant(2)), call('log', [variable('x')])), call('exp', [variable('y')])),
    );
  });

  it('associates binary operators to the left', () => {
    expect(parseExpression('x - y - z')).toEqual(binary('-', binary('-', variable('x'), variable('y')), variable('z')));
    expect(parseExpression('x / 2 / 3')).toEqual(binary('/', binary('/', variable('x'), constant(2)), constant(3)));
  });

  it('reads power exponents as signed numeric literals', () => {
    expect(parseExpression('power(x, -1.5)')).toEqual(power(variable('x'), -1.5));
    expect(parseExpression('power(x, 3)')).toEqual(power(variable('x'), 3));
  });

  it('reads variadic maximum and minimum', () => {
    expect(parseExpression('maximum(x, y, 3)')).toEqual(call('maximum', [variable('x'), variable('y'), constant(3)]));
  });

  it('reads decimals and exponents', () => {
    expect(parseExpression('0.5 + .25 + 1e-7 + 2E3')).toEqual(
      binary('+', binary('+', binary('+', constant(0.5), constant(0.25)), constant(1e-7)), constant(2000)),
    );
  });

  it('ignores whitespace and redundant parentheses', () => {
    expect(parseExpression(' ( ( exp( x ) ) ) ')).toEqual(call('exp', [variable('x')]));
  });
});

describe('deeply nested input (no recursion limit)', () => {
  const deep = 10_000;

  it('parses and prints back 10,000 nested atom calls', () => {
    const text = `${'exp('.repeat(deep)}x${')'.repeat(deep)}`;
    const expr = parseExpression(text);
    let node = expr;
    for (let level = 0; level < deep; level++) {
      expect(node.kind).toBe('call');
      node = (node as CallNode).args[0]!;
    }
    expect(node).toEqual(variable('x'));
    expect(printExpression(expr)).toBe(text);
  });

  it('parses 10,000 nested parentheses and negations, and a 200,000-term sum', () => {
    expect(parseExpression(`${'('.repeat(deep)}x${')'.repeat(deep)}`)).toEqual(variable('x'));
    const negations = `${'-'.repeat(deep)}x`;
    expect(printExpression(parseExpression(negations))).toBe(`${'-('.repeat(deep - 1)}-x${')'.repeat(deep - 1)}`);
    const sum = Array.from({ length: 200_000 }, (_, i) => `x${i}`).join(' + ');
    expect(printExpression(parseExpression(sum))).toBe(sum);
  });

  it('reports an error deep inside, at its column', () => {
    const text = `${'log(2 * ('.repeat(deep)}x y${'))'.repeat(deep)}`;
    const outcome = safeParseExpression(text);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.message).toMatch(`Expected \`)\` at column ${deep * 9 + 3}, found \`y\``);
  });
});

describe('bad expressions are reported with a position', () => {
  it.each([
    ['foo(x)', 1, /Unknown atom `foo` at column 1; expected one of exp, log/],
    ['exp(x, y)', 1, /Atom `exp` at column 1 takes 1 argument, got 2/],
    ['1 + maximum(x)', 5, /Atom `maximum` at column 5 takes at least 2 arguments, got 1/],
    ['quad_over_lin(x)', 1, /takes 2 arguments, got 1/],
    ['power(x)', 1, /Atom `power` at column 1 takes 2 arguments/],
    ['power(x, 2, 3)', 1, /takes 2 arguments \(base and exponent\), got more/],
    ['power(x, y)', 10, /Expected a numeric literal exponent for `power` at column 10, found `y`/],
    ['power(x, 0)', 10, /must be nonzero/],
    ['exp(x', 6, /Unbalanced parentheses: expected `\)` at column 6, found end of input \(to close `exp\(` at column 4\)/],
    ['(x + 1', 7, /Unbalanced parentheses: expected `\)` at column 7, found end of input \(to close the `\(` at column 1\)/],
    ['exp(x))', 7, /Unbalanced parentheses: `\)` at column 7 has no matching `\(`/],
    ['(x + 1 y)', 8, /Expected `\)` at column 8, found `y`/],
    ['x y', 3, /Expected an operator or end of input at column 3, found `y`/],
    ['x +', 4, /Expected an expression .* at column 4, found end of input/],
    ['', 1, /Expected an expression .* at column 1, found end of input/],
    ['x $ y', 3, /Unexpected character `\$` at column 3/],
    ['2x', 2, /Expected an operator after number `2` at column 2, found `x`/],
    ['exp + 1', 5, /Expected `\(` after atom `exp` at column 5, found `\+`/],
    ['exp(x y)', 7, /Expected `,` or `\)` in the arguments of `exp` at column 7, found `y`/],
    ['+x', 1, /Expected an expression/],
    ['1e999', 1, /Number `1e999` is out of range at column 1/],
    ['1/0', 3, /Division by zero at column 3: the divisor `0` is zero/],
    ['exp(x) / 0.0 + 1', 10, /Division by zero at column 10: the divisor `0.0` is zero/],
    ['x / (0)', 5, /Division by zero at column 5: the divisor `\(0\)` is zero/],
    ['x / -0e3', 5, /Division by zero at column 5: the divisor `-0e3` is zero/],
    ['log(x / -(-(0)))', 9, /Division by zero at column 9: the divisor `-\(-\(0\)\)` is zero/],
  ] as const)('%j fails at column %i', (text, column, message) => {
    const outcome = safeParseExpression(text);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.column).toBe(column);
    expect(outcome.error.position).toBe(column - 1);
    expect(outcome.error.message).toMatch(message);
  });

  it('throws an InputError (exit code 2) from parseExpression', () => {
    expect(() => parseExpression('exp(')).toThrow(ExpressionSyntaxError);
    expect(() => parseExpression('exp(')).toThrow(InputError);
  });
});

describe('printExpression', () => {
  it.each([
    ['-2*log(x)+exp(y)', '-2 * log(x) + exp(y)'],
    ['x - (y - z)', 'x - (y - z)'],
    ['(x - y) - z', 'x - y - z'],
    ['x + (y + z)', 'x + (y + z)'],
    ['-(x + y)', '-(x + y)'],
    ['-(x * y)', '-(x * y)'],
    ['(-x) * y', '-x * y'],
    ['x - -y', 'x - (-y)'],
    ['--x', '-(-x)'],
    ['(x + y) * 2', '(x + y) * 2'],
    ['x / (2 * y)', 'x / (2 * y)'],
    ['power(x,-0.5)', 'power(x, -0.5)'],
    ['maximum(x,y,   3)', 'maximum(x, y, 3)'],
    ['1e21 + 1e-7', '1e+21 + 1e-7'],
  ] as const)('prints %s canonically as %s', (text, printed) => {
    expect(printExpression(parseExpression(text))).toBe(printed);
  });

  it('round-trips: parse(print(e)) deep-equals e', () => {
    fc.assert(
      fc.property(anyExpr, (e) => {
        expect(parseExpression(printExpression(e))).toEqual(e);
      }),
      { numRuns: 500 },
    );
  });

  it('is canonical: print(parse(print(e))) is print(e)', () => {
    fc.assert(
      fc.property(anyExpr, (e) => {
        const text = printExpression(e);
        expect(printExpression(parseExpression(text))).toBe(text);
      }),
    );
  });
});
