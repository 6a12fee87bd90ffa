/**
 * Tokens of the expression syntax: identifiers, decimal numbers (optionally with an exponent, so any number
 * the printer writes reads back exactly), `+ - * / ( ) ,`. Every token keeps its offset for error messages.
 */
import { ExpressionSyntaxError } from './syntax-error.ts';

/** A token kind; `end` marks the end of input. */
export type TokenKind = 'identifier' | 'number' | '+' | '-' | '*' | '/' | '(' | ')' | ',' | 'end';

/** One token with its text and 0-based offset. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
}

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const PUNCTUATION = new Set(['+', '-', '*', '/', '(', ')', ',']);

/** Splits the text into tokens, ending with an `end` token; throws `ExpressionSyntaxError` on a stray character. */
export function tokenize(text: string): readonly Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
      continue;
    }
    if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, position: i });
      i++;
      continue;
    }
    const match = matchAt(NUMBER, text, i) ?? matchAt(IDENTIFIER, text, i);
    if (match === undefined) throw new ExpressionSyntaxError(`Unexpected character \`${ch}\``, i);
    const kind: TokenKind = /[A-Za-z_]/.test(ch) ? 'identifier' : 'number';
    // `2x` is two tokens glued together: say so rather than reading a number followed by a stray variable.
    if (kind === 'number' && /[A-Za-z_]/.test(text[i + match.length] ?? '')) {
      throw new ExpressionSyntaxError(`Expected an operator after number \`${match}\``, i + match.length, `, found \`${text[i + match.length]}\``);
    }
    tokens.push({ kind, text: match, position: i });
    i += match.length;
  }
  tokens.push({ kind: 'end', text: '', position: text.length });
  return tokens;
}

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}
