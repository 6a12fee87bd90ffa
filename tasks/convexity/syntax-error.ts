/**
 * The error a bad expression is reported with: what was expected, what was found, and where. It is an
 * `InputError` (exit code 2 when it ends a command) carrying the 0-based offset and 1-based column.
 */
import { InputError } from '../../core/errors.ts';

/** A lexing or parsing failure at a position in the expression text. */
export class ExpressionSyntaxError extends InputError {
  /** 0-based offset into the text. */
  readonly position: number;
  /** 1-based column, as the message prints it. */
  readonly column: number;
  /** The message without the position: what was expected and what was found. */
  readonly detail: string;

  /** `what` names the problem, `rest` (after the column) says what was found or expected instead. */
  constructor(what: string, position: number, rest = '') {
    super(`${what} at column ${position + 1}${rest}`);
    this.position = position;
    this.column = position + 1;
    this.detail = `${what}${rest}`;
  }
}
