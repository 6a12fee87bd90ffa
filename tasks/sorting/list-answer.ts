/**
 * The answer of a sorting call, `#### [a, b, ...]` (the authors' format), and its strict parser: the text after
 * the last `####` must be one JSON list of exactly the expected number of integers (no leading zeros, no `-0`,
 * nothing after the list). Whether it is sorted, or holds the right elements, is for voting to decide.
 */
import type { ParseResult } from '../../core/task.ts';
import { listKey } from './problem.ts';

const INTEGER = /^-?(0|[1-9]\d*)$/;

/** The response text for a list. */
export function formatListAnswer(values: readonly number[]): string {
  return `#### [${values.join(', ')}]`;
}

/** Parses a response that must hold a list of `length` integers after its last `####`. */
export function parseListAnswer(text: string, length: number): ParseResult<number[]> {
  const at = text.lastIndexOf('####');
  if (at < 0) return { ok: false, reason: 'no `####` before the answer' };
  const answer = text.slice(at + 4).trim();
  if (!answer.startsWith('[') || !answer.endsWith(']')) return { ok: false, reason: 'the answer after `####` is not one JSON list' };
  const inner = answer.slice(1, -1).trim();
  const parts = inner === '' ? [] : inner.split(',');
  if (parts.length !== length) return { ok: false, reason: `the list holds ${parts.length} elements, expected ${length}` };
  const values: number[] = [];
  for (const part of parts) {
    const item = part.trim();
    if (!INTEGER.test(item) || item === '-0') return { ok: false, reason: `\`${item.slice(0, 20)}\` is not an integer` };
    const value = Number(item);
    if (!Number.isSafeInteger(value)) return { ok: false, reason: `\`${item.slice(0, 20)}\` is not a safe integer` };
    values.push(value);
  }
  return { ok: true, key: listKey(values), value: values };
}
