/**
 * The strict Hanoi parser used with red-flagging: the last `move = [...]` and the last
 * `next_state = [[...], [...], [...]]` in the response. The move must be exactly three integers and the state
 * three lists holding every disk 1..n exactly once. Anything else is a failure (a red flag), never repaired.
 * Legality is not checked: that would need an oracle.
 *
 * It runs on every sample of every step, so it scans the text by character codes from the end, allocating
 * nothing until it builds the answer. It accepts exactly what these patterns, last match each, accept:
 *
 *   (?<![A-Za-z0-9_])move\s*=\s*\[([^\[\]]*)\]
 *   (?<![A-Za-z0-9_])next_state\s*=\s*\[\s*\[([^\[\]]*)\]\s*,\s*\[([^\[\]]*)\]\s*,\s*\[([^\[\]]*)\]\s*\]
 *
 * with each bracketed list empty (whitespace only) or comma-separated `\s*-?\d+\s*` items.
 */
import type { ParseResult } from '../../core/task.ts';
import type { Move } from './rules.ts';

/** A parsed Hanoi answer. */
export interface HanoiAnswer {
  readonly move: Move;
  readonly nextState: number[][];
}

/** The canonical vote key of an answer: `disk,from,to|peg0/peg1/peg2`. */
export function answerKey(move: Move, nextState: readonly (readonly number[])[]): string {
  let key = `${move[0]},${move[1]},${move[2]}|`;
  for (let i = 0; i < nextState.length; i++) key += i === 0 ? nextState[i]!.join(',') : `/${nextState[i]!.join(',')}`;
  return key;
}

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const COMMA = 0x2c;
const EQUALS = 0x3d;
const MINUS = 0x2d;

/** JavaScript's `\s` (and `String.prototype.trim`'s) whitespace: WhiteSpace and LineTerminator code points. */
function isSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

/** True for `[A-Za-z0-9_]`: a word character may not precede the keyword. */
function isWordCode(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || isDigit(code) || code === 0x5f;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** After `keyword` at `at` (not preceded by a word character): the index just past `\s*=\s*\[`, or -1. */
function afterAssignment(text: string, at: number, keyword: string): number {
  if (at > 0 && isWordCode(text.charCodeAt(at - 1))) return -1;
  let i = skipSpace(text, at + keyword.length);
  if (text.charCodeAt(i) !== EQUALS) return -1;
  i = skipSpace(text, i + 1);
  return text.charCodeAt(i) === OPEN ? i + 1 : -1;
}

/** The index of the `]` closing a bracket-free list starting at `from`, or -1 if a `[` or the end comes first. */
function listEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === CLOSE) return i;
    if (code === OPEN) return -1;
  }
  return -1;
}

/** Start of the list body of the last `move = [...]`, with its `]` in `moveEnd`; -1 if there is none. */
let moveEnd = -1;
function lastMove(text: string): number {
  for (let at = text.lastIndexOf('move'); at >= 0; at = at === 0 ? -1 : text.lastIndexOf('move', at - 1)) {
    const start = afterAssignment(text, at, 'move');
    if (start < 0) continue;
    const end = listEnd(text, start);
    if (end < 0) continue;
    moveEnd = end;
    return start;
  }
  return -1;
}

/** The three list bodies of the last `next_state = [[...], [...], [...]]`, as [start, end) pairs. */
const pegBounds = new Int32Array(6);
function lastState(text: string): boolean {
  for (let at = text.lastIndexOf('next_state'); at >= 0; at = at === 0 ? -1 : text.lastIndexOf('next_state', at - 1)) {
    let i = afterAssignment(text, at, 'next_state');
    if (i < 0) continue;
    let ok = true;
    for (let peg = 0; peg < 3 && ok; peg++) {
      if (peg > 0) {
        i = skipSpace(text, i);
        if (text.charCodeAt(i) !== COMMA) ok = false;
        else i++;
      }
      i = skipSpace(text, i);
      if (!ok || text.charCodeAt(i) !== OPEN) {
        ok = false;
        break;
      }
      const end = listEnd(text, i + 1);
      if (end < 0) {
        ok = false;
        break;
      }
      pegBounds[2 * peg] = i + 1;
      pegBounds[2 * peg + 1] = end;
      i = end + 1;
    }
    if (!ok) continue;
    i = skipSpace(text, i);
    if (text.charCodeAt(i) === CLOSE) return true;
  }
  return false;
}

/**
 * Reads `[start, end)` as a list of `\s*-?\d+\s*` items separated by commas (or whitespace only, for none) into
 * `out`; false at the first malformed item, or past `most` items.
 */
function readIntegers(text: string, start: number, end: number, out: number[], most: number): boolean {
  let i = skipSpace(text, start);
  if (i >= end) return true;
  for (;;) {
    i = skipSpace(text, i);
    const itemStart = i;
    let negative = false;
    if (i < end && text.charCodeAt(i) === MINUS) {
      negative = true;
      i++;
    }
    const digitsStart = i;
    let value = 0;
    while (i < end && isDigit(text.charCodeAt(i))) value = value * 10 + (text.charCodeAt(i++) - 0x30);
    if (i === digitsStart) return false;
    // Long digit runs round as Number() rounds them, not as repeated multiplication does.
    if (i - digitsStart > 15) value = Math.abs(Number(text.slice(itemStart, i)));
    i = skipSpace(text, i);
    if (i < end && text.charCodeAt(i) !== COMMA) return false;
    if (out.length >= most) return false;
    out.push(negative ? -value : value);
    if (i >= end) return true;
    i++; // the comma; an item must follow it
  }
}

/** Parses a response for an n-disk puzzle. */
export function parseHanoi(text: string, disks: number): ParseResult<HanoiAnswer> {
  const moveStart = lastMove(text);
  if (moveStart < 0) return { ok: false, reason: 'no `move = [...]` line' };
  const move: number[] = [];
  if (!readIntegers(text, moveStart, moveEnd, move, 3) || move.length !== 3) return { ok: false, reason: 'move is not exactly three integers' };
  if (!lastState(text)) return { ok: false, reason: 'no `next_state = [[...], [...], [...]]` line' };
  const seen = new Uint8Array(disks + 1);
  const pegs: number[][] = [[], [], []];
  let count = 0;
  let bad: number | undefined;
  for (let peg = 0; peg < 3; peg++) {
    const values = pegs[peg]!;
    if (!readIntegers(text, pegBounds[2 * peg]!, pegBounds[2 * peg + 1]!, values, Number.POSITIVE_INFINITY)) {
      return { ok: false, reason: `peg ${peg} is not a list of integers` };
    }
    for (const disk of values) {
      if (bad === undefined && (disk < 1 || disk > disks || seen[disk] === 1)) bad = disk;
      if (bad === undefined) seen[disk] = 1;
      count++;
    }
    if (bad !== undefined) return { ok: false, reason: `disk ${bad} is out of range or repeated` };
  }
  if (count !== disks) return { ok: false, reason: `next_state holds ${count} disks, expected ${disks}` };
  const typedMove = move as unknown as Move;
  return { ok: true, key: answerKey(typedMove, pegs), value: { move: typedMove, nextState: pegs } };
}
