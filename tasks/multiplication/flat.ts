/**
 * Flat multiplication: the whole product in one call, the undecomposed baseline. The prompt is the authors'
 * question; the answer is the product's digits after `####`, parsed strictly (digits only, no leading zeros,
 * no separators). One call must get every digit product and every carry right at once.
 */
import type { ParseResult, TaskCall } from '../../core/task.ts';
import { countTokens } from '../../models/tokens.ts';
import type { AnsweringTask } from '../problem-sets/index.ts';
import { exactProduct, type MultiplicationProblem } from './problem.ts';
import { flatMultiplicationMessages } from './prompts.ts';

/** The state of a flat run: the voted product, once there is one. */
export interface FlatMultiplicationState {
  readonly product: string | undefined;
}

/** The flat multiplication task. */
export interface FlatMultiplicationTask extends AnsweringTask<FlatMultiplicationState, string, undefined> {
  readonly strategy: 'flat';
  readonly problem: MultiplicationProblem;
}

const NUMBER = /^(0|[1-9]\d*)$/;

/** The text after the last `####` of a response, trimmed, or undefined when there is none. */
export function afterMarker(text: string): string | undefined {
  const at = text.lastIndexOf('####');
  return at < 0 ? undefined : text.slice(at + 4).trim();
}

/** Strict parse of a flat answer: `####` then the product's digits alone. */
export function parseProductAnswer(text: string): ParseResult<string> {
  const answer = afterMarker(text);
  if (answer === undefined) return { ok: false, reason: 'no `####` before the answer' };
  if (!NUMBER.test(answer)) return { ok: false, reason: `\`${answer.slice(0, 40)}\` after \`####\` is not a whole number's digits` };
  return { ok: true, key: answer, value: answer };
}

/** Builds flat multiplication for one problem: one call for the whole product. */
export function createFlatMultiplicationTask(problem: MultiplicationProblem): FlatMultiplicationTask {
  const truth = exactProduct(problem.a, problem.b);
  const call: TaskCall<undefined> = { id: '0', messages: flatMultiplicationMessages(problem.question), data: undefined };
  return {
    name: 'multiplication',
    strategy: 'flat',
    problem,
    truth,
    // A product has at most as many digits as its operands together.
    answerTokens: countTokens(`#### ${'9'.repeat(problem.a.length + problem.b.length)}`),
    totalCalls: 1,
    initialState: () => ({ product: undefined }),
    *ready(state) {
      if (state.product === undefined) yield call;
    },
    parse: (text) => parseProductAnswer(text),
    absorb: (_state, _call, value) => ({ product: value }),
    done: (state) => state.product !== undefined,
    solved: (state) => state.product === truth,
    oracle: () => truth,
    answer: (state) => state.product,
  };
}
