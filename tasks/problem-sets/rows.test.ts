import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { limitRows, parseDatasetRows } from './rows.ts';

describe('parseDatasetRows', () => {
  it('reads one {id, question, answer} object per line, skipping blank lines', () => {
    const text = '{"id": "a", "question": "q1", "answer": "1"}\n\n{"id": 7, "question": "q2", "answer": "2"}\n';
    expect(parseDatasetRows(text, 'f.jsonl')).toEqual([
      { id: 'a', question: 'q1', answer: '1' },
      { id: '7', question: 'q2', answer: '2' },
    ]);
  });

  it.each([
    ['a line that is not JSON', '{"id": "a", "question": "q", "answer": "1"}\nnot json', /f.jsonl:2 is not a JSON object/],
    ['a missing answer', '{"id": "a", "question": "q"}', /f.jsonl:1 has no string `answer`/],
    ['an empty file', '\n\n', /holds no rows/],
  ])('rejects %s with the line', (_name, text, message) => {
    expect(() => parseDatasetRows(text, 'f.jsonl')).toThrow(InputError);
    expect(() => parseDatasetRows(text, 'f.jsonl')).toThrow(message);
  });
});

describe('limitRows', () => {
  it('keeps the first n, or all', () => {
    expect(limitRows([1, 2, 3], 2)).toEqual([1, 2]);
    expect(limitRows([1, 2, 3], undefined)).toEqual([1, 2, 3]);
    expect(() => limitRows([1], 0)).toThrow(/`limit`.*`0`/);
  });
});
