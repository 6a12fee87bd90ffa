import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatListAnswer, parseListAnswer } from './list-answer.ts';

describe('parseListAnswer', () => {
  it('round-trips any list of safe integers', () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeInteger().map((value) => (value === 0 ? 0 : value)), { maxLength: 50 }), (values) => {
        const clean = values.map((value) => (Object.is(value, -0) ? 0 : value));
        expect(parseListAnswer(formatListAnswer(clean), clean.length)).toEqual({ ok: true, key: `[${clean.join(',')}]`, value: clean });
      }),
    );
  });

  it('reads the authors answer format, spaces or none', () => {
    expect(parseListAnswer('Sorted:\n#### [-9181,-6352,-988]', 3)).toMatchObject({ ok: true, key: '[-9181,-6352,-988]' });
  });

  it.each([
    ['no marker', '[1, 2]'],
    ['a lost element', '#### [1]'],
    ['an extra element', '#### [1, 2, 3]'],
    ['a decimal', '#### [1.5, 2]'],
    ['a leading zero', '#### [01, 2]'],
    ['minus zero', '#### [-0, 2]'],
    ['words after the list', '#### [1, 2] done'],
    ['an unclosed list', '#### [1, 2'],
  ])('rejects %s', (_name, text) => {
    expect(parseListAnswer(text, 2).ok).toBe(false);
  });
});
