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
