/**
 * The prompts. A comparator call's prompt holds its two integers and nothing else (no position, no list), so its
 * size is the same for a 5-element list as for a 1,000-element one. The flat prompt is the authors' question.
 */
import type { ChatMessage } from '../../core/model.ts';

/** The comparator call's instructions. */
export const COMPARE_SYSTEM = `You are one comparator of a sorting network.
You are given two integers. Write them in ascending order, the smaller first, as a JSON list.
End your answer with exactly one line: '####' followed by that list, for example: #### [-12, 40]`;

/** The flat call's instructions (the question itself says what to do). */
export const FLAT_SORT_SYSTEM = 'You sort lists of integers exactly. Keep every element, including repeated ones.';

/** The user line of a comparator call. */
export function compareQuestion(x: number, y: number): string {
  return `Integers: ${x}, ${y}`;
}

/** A comparator call's messages. */
export function compareMessages(x: number, y: number): readonly ChatMessage[] {
  return [
    { role: 'system', content: COMPARE_SYSTEM },
    { role: 'user', content: compareQuestion(x, y) },
  ];
}

/** The flat call's messages: the question as the authors wrote it. */
export function flatSortingMessages(question: string): readonly ChatMessage[] {
  return [
    { role: 'system', content: FLAT_SORT_SYSTEM },
    { role: 'user', content: question },
  ];
}
