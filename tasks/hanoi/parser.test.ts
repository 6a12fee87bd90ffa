import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHanoi } from './parser.ts';

describe('parseHanoi', () => {
  it('parses the two answer lines to a canonical key', () => {
    const parsed = parseHanoi('move = [1, 0, 2]\nnext_state = [[3, 2], [], [1]]', 3);
    expect(parsed).toEqual({ ok: true, key: '1,0,2|3,2//1', value: { move: [1, 0, 2], nextState: [[3, 2], [], [1]] } });
  });

  it('takes the last of each line when the response reasons first', () => {
    const text = 'First I thought move = [2, 0, 1] and next_state = [[3], [2], [1]].\nOn reflection:\nmove = [1, 0, 2]\nnext_state = [[3, 2], [], [1]]';
    expect(parseHanoi(text, 3)).toMatchObject({ ok: true, key: '1,0,2|3,2//1' });
  });

  it('gives equal keys to answers that differ only in whitespace', () => {
    const a = parseHanoi('move=[1,0,2]\nnext_state=[[3,2],[],[1]]', 3);
    const b = parseHanoi('move = [ 1 , 0 , 2 ]\nnext_state = [ [3, 2] , [ ] , [1] ]', 3);
    expect(a.ok && b.ok && a.key === b.key).toBe(true);
  });

  it.each([
    ['no move line', 'next_state = [[3, 2], [], [1]]'],
    ['no state line', 'move = [1, 0, 2]'],
    ['a move of two numbers', 'move = [1, 0]\nnext_state = [[3, 2], [], [1]]'],
    ['a move of four numbers', 'move = [1, 0, 2, 1]\nnext_state = [[3, 2], [], [1]]'],
    ['a non-integer in the move', 'move = [1, 0, 2.5]\nnext_state = [[3, 2], [], [1]]'],
    ['a missing disk', 'move = [1, 0, 2]\nnext_state = [[3], [], [1]]'],
    ['a repeated disk', 'move = [1, 0, 2]\nnext_state = [[3, 2], [1], [1]]'],
    ['a disk out of range', 'move = [1, 0, 2]\nnext_state = [[4, 2], [], [1]]'],
    ['two pegs only', 'move = [1, 0, 2]\nnext_state = [[3, 2], [1]]'],
    ['four pegs', 'move = [1, 0, 2]\nnext_state = [[3, 2], [], [1], []]'],
    ['words inside a list', 'move = [one, 0, 2]\nnext_state = [[3, 2], [], [1]]'],
    ['a nested list in a peg', 'move = [1, 0, 2]\nnext_state = [[3, [2]], [], [1]]'],
    ['an empty response', ''],
  ])('rejects %s', (_, text) => {
    expect(parseHanoi(text, 3).ok).toBe(false);
  });

  it('is not fooled by a word ending in "move"', () => {
    expect(parseHanoi('remove = [1, 0, 2]\nnext_state = [[3, 2], [], [1]]', 3).ok).toBe(false);
  });

  it('does not check legality (that would need an oracle)', () => {
    expect(parseHanoi('move = [3, 0, 2]\nnext_state = [[1], [2], [3]]', 3).ok).toBe(true);
  });
});

/** The regular-expression parser this one replaced, kept as the reference the scanner must agree with. */
function referenceParse(text: string, disks: number): { ok: boolean; key?: string } {
  const MOVE = /(?<![A-Za-z0-9_])move\s*=\s*\[([^\[\]]*)\]/g;
  const STATE = /(?<![A-Za-z0-9_])next_state\s*=\s*\[\s*\[([^\[\]]*)\]\s*,\s*\[([^\[\]]*)\]\s*,\s*\[([^\[\]]*)\]\s*\]/g;
  const last = (pattern: RegExp) => {
    let found: RegExpExecArray | undefined;
    for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) found = match;
    return found;
  };
  const integers = (list: string) => {
    if (list.trim() === '') return [];
    const values: number[] = [];
    for (const part of list.split(',')) {
      if (!/^\s*-?\d+\s*$/.test(part)) return undefined;
      values.push(Number(part));
    }
    return values;
  };
  const moveMatch = last(MOVE);
  const move = moveMatch === undefined ? undefined : integers(moveMatch[1]!);
  if (move === undefined || move.length !== 3) return { ok: false };
  const stateMatch = last(STATE);
  if (stateMatch === undefined) return { ok: false };
  const pegs: number[][] = [];
  const seen = new Set<number>();
  for (let peg = 1; peg <= 3; peg++) {
    const values = integers(stateMatch[peg]!);
    if (values === undefined) return { ok: false };
    for (const disk of values) {
      if (disk < 1 || disk > disks || seen.has(disk)) return { ok: false };
      seen.add(disk);
    }
    pegs.push(values);
  }
  if (seen.size !== disks) return { ok: false };
  return { ok: true, key: `${move[0]},${move[1]},${move[2]}|${pegs.map((peg) => peg.join(',')).join('/')}` };
}

describe('parseHanoi against the regular-expression parser it replaced', () => {
  // Fragments that exercise every branch: keywords, separators, digits, signs, and whitespace JavaScript's `\s` knows.
  const fragment = fc.constantFrom(
    'move', 'next_state', 'remove', '_move', 'Xnext_state', ' = ', '=', '[', ']', '[[', ']]', ', ', ',', ' ', '\n', '\t',
    '\u00a0', '\u2028', '\ufeff', '\u3000', '1', '2', '3', '0', '-', '-1', '12', '007', '4', 'a', '1.5',
    '12345678901234567890', 'move = [1, 0, 2]', 'next_state = [[3, 2], [], [1]]', 'next_state = [[3], [2], [1]]', '[2, 1]',
  );
  it('property: accepts and rejects exactly what the old parser did, with the same key', () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (parts, disks) => {
        const text = parts.join('');
        const parsed = parseHanoi(text, disks);
        const reference = referenceParse(text, disks);
        expect(parsed.ok).toBe(reference.ok);
        if (parsed.ok) expect(parsed.key).toBe(reference.key);
      }),
      { numRuns: 20_000 },
    );
  });

  it('property: agrees on well-formed answers with arbitrary spacing and move values', () => {
    const space = fc.constantFrom('', ' ', '  ', '\n', '\t', '\v', '\u00a0', '\u1680', '\u2005', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\u200b');
    // Moves are not range-checked: long digit runs must round as Number() rounds them.
    const moveItem = fc.oneof(fc.integer({ min: -2, max: 6 }), fc.constantFrom('-0', '007', '123456789012345', '9007199254740993', '12345678901234567890', '-99999999999999999999'));
    // Where each of disks 4..1 goes (so every disk appears once), and now and then a disk out of range.
    const pegOf = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(pegOf, fc.array(space, { minLength: 12, maxLength: 12 }), fc.tuple(moveItem, moveItem, moveItem), fc.constantFrom(0, 0, 0, 5, -1), (where, gaps, move, extra) => {
        const pegs: number[][] = [[], [], []];
        where.forEach((peg, i) => pegs[peg]!.push(4 - i));
        if (extra !== 0) pegs[0]!.push(extra);
        const gap = (i: number) => gaps[i % gaps.length]!;
        const list = (peg: number[], i: number) => `[${gap(i)}${peg.join(`${gap(i + 1)},${gap(i + 2)}`)}${peg.length > 0 ? gap(i + 3) : ''}]`;
        const text = `move${gap(0)}=${gap(1)}[${move.join(`,${gap(2)}`)}${gap(3)}]\nnext_state${gap(4)}=${gap(5)}[${pegs.map((peg, i) => list(peg, 6 + i)).join(`${gap(9)},${gap(10)}`)}${gap(11)}]`;
        const parsed = parseHanoi(text, 4);
        const reference = referenceParse(text, 4);
        expect(parsed.ok).toBe(reference.ok);
        if (parsed.ok) expect(parsed.key).toBe(reference.key);
      }),
      { numRuns: 2000 },
    );
  });
});
