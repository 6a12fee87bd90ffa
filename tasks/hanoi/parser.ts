/**
 * The strict Hanoi parser used with red-flagging: the last `move = [...]` and the last
 * `next_state = [[...], [...], [...]]` in the response. The move must be exactly three integers and the state
 * three lists holding every disk 1..n exactly once. Anything else is a failure (a red flag), never repaired.
 * Legality is not checked: that would need an oracle.
 */
import type { ParseResult } from '../../core/task.ts';
import type { Move } from './rules.ts';

/** A parsed Hanoi answer. */
export interface HanoiAnswer {
  readonly move: Move;
  readonly nextState: number[][];
}

const MOVE = /(?<![A-Za-z0-9_])move\s*=\s*\[([^\[\]]*)\]/g;
const STATE = /(?<![A-Za-z0-9_])next_state\s*=\s*\[\s*\[([^\[\]]*)\]\s*,\s*\[([^\[\]]*)\]\s*,\s*\[([^\[\]]*)\]\s*\]/g;
const INTEGER = /^\s*-?\d+\s*$/;

function lastMatch(pattern: RegExp, text: string): RegExpExecArray | undefined {
  pattern.lastIndex = 0;
  let last: RegExpExecArray | undefined;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) last = match;
  return last;
}

function integers(list: string): number[] | undefined {
  if (list.trim() === '') return [];
  const parts = list.split(',');
  const values: number[] = [];
  for (const part of parts) {
    if (!INTEGER.test(part)) return undefined;
    values.push(Number(part));
  }
  return values;
}

/** The canonical vote key of an answer: `disk,from,to|peg0/peg1/peg2`. */
export function answerKey(move: Move, nextState: readonly (readonly number[])[]): string {
  return `${move[0]},${move[1]},${move[2]}|${nextState.map((peg) => peg.join(',')).join('/')}`;
}

/** Parses a response for an n-disk puzzle. */
export function parseHanoi(text: string, disks: number): ParseResult<HanoiAnswer> {
  const moveMatch = lastMatch(MOVE, text);
  if (moveMatch === undefined) return { ok: false, reason: 'no `move = [...]` line' };
  const move = integers(moveMatch[1]!);
  if (move === undefined || move.length !== 3) return { ok: false, reason: 'move is not exactly three integers' };
  const stateMatch = lastMatch(STATE, text);
  if (stateMatch === undefined) return { ok: false, reason: 'no `next_state = [[...], [...], [...]]` line' };
  const pegs: number[][] = [];
  const seen = new Uint8Array(disks + 1);
  let count = 0;
  for (let peg = 1; peg <= 3; peg++) {
    const values = integers(stateMatch[peg]!);
    if (values === undefined) return { ok: false, reason: `peg ${peg - 1} is not a list of integers` };
    for (const disk of values) {
      if (disk < 1 || disk > disks || seen[disk] === 1) return { ok: false, reason: `disk ${disk} is out of range or repeated` };
      seen[disk] = 1;
      count++;
    }
    pegs.push(values);
  }
  if (count !== disks) return { ok: false, reason: `next_state holds ${count} disks, expected ${disks}` };
  const typedMove = move as unknown as Move;
  return { ok: true, key: answerKey(typedMove, pegs), value: { move: typedMove, nextState: pegs } };
}
