/**
 * Long multiplication as a graph of one-digit calls, every prompt the same size whatever the operands' length.
 *
 * - Rows: for each digit b_j of the multiplier, the row a × b_j is a chain along the multiplicand's digits, one
 *   call per digit: (a_i, b_j, carry in) → (digit, carry out), the digit landing at position i + j. The last
 *   carry is the row's leading digit. Rows are independent: all m chains advance at once.
 * - Sums: the rows are added in a balanced binary tree (row 0 + row 1, row 2 + row 3, ..., then those sums
 *   pairwise). Each addition is a chain along the columns, one call per column: (x, y, carry in) → (digit,
 *   carry out). A column is ready as soon as both operands' digits there are known, so additions run
 *   pipelined behind the rows they read, not after them.
 * - The scheduler only places digits: below the higher operand's lowest position an addition copies the lower
 *   operand's digit (the other contributes nothing and the carry there is 0), and when both operands are used
 *   up the last carry (0 or 1) is the sum's leading digit. It never adds or multiplies.
 * - The graph is oblivious: every number's length follows from the operands' lengths (leading zeros are kept
 *   until the answer is read), so which calls are made never depends on a voted value. A wrong vote corrupts a
 *   digit, never the plan, and `totalCalls` is exact for any run.
 *
 * For an n-digit multiplicand and an m-digit multiplier that is n·m multiply calls and about (m - 1)(n + 2)
 * add calls; the critical path is about n + m + log2(m) calls long. Every call is a fresh prompt holding only
 * its three digits, so a wrong vote is local: it corrupts one digit or carry, never the bookkeeping.
 */
import type { TaskCall } from '../../core/task.ts';
import { dryRun, type AnsweringTask } from '../problem-sets/index.ts';
import { digitKey, digitStep, formatDigitAnswer, parseDigitAnswer, type DigitAnswer, type DigitOperation } from './digit-answer.ts';
import { exactProduct, type MultiplicationProblem } from './problem.ts';
import { digitMessages } from './prompts.ts';

/** What a digit call carries: which number it extends, at which power of ten, and its three inputs. */
export interface SchoolbookCallData {
  readonly operation: DigitOperation;
  /** Index of the number (row or sum) this call extends. */
  readonly node: number;
  /** Power of ten of the digit the call yields. */
  readonly position: number;
  readonly x: number;
  readonly y: number;
  readonly carry: number;
}

/** One number being built: its digits so far (lowest first, from its lowest position), the pending carry, and whether it is complete. */
export interface NumberState {
  readonly digits: readonly number[];
  readonly carry: number;
  readonly done: boolean;
}

/** The exact state the scheduler holds: one entry per row and per sum, rows first, the product last. */
export interface SchoolbookState {
  readonly numbers: readonly NumberState[];
}

/** A number of the plan: a row a × b_j, or the sum of two earlier numbers. */
export type PlanNode =
  | { readonly kind: 'row'; readonly row: number; readonly low: number }
  | { readonly kind: 'sum'; readonly left: number; readonly right: number; readonly low: number };

/** The decomposed multiplication task. */
export interface SchoolbookTask extends AnsweringTask<SchoolbookState, DigitAnswer, SchoolbookCallData> {
  readonly strategy: 'decomposed';
  readonly problem: MultiplicationProblem;
  /** The rows and the addition tree, in dependency order; the last node is the product. */
  readonly plan: readonly PlanNode[];
}

/** The rows and the balanced addition tree for an m-digit multiplier. */
export function schoolbookPlan(multiplierDigits: number): PlanNode[] {
  const plan: PlanNode[] = [];
  for (let row = 0; row < multiplierDigits; row++) plan.push({ kind: 'row', row, low: row });
  let level = plan.map((_, index) => index);
  while (level.length > 1) {
    const next: number[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1]!;
      plan.push({ kind: 'sum', left, right, low: Math.min(plan[left]!.low, plan[right]!.low) });
      next.push(plan.length - 1);
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return plan;
}

/** A digit of a number at a position: known, pending (not computed yet), or absent (outside the number). */
type DigitAt = number | 'pending' | 'absent';

function digitAt(plan: readonly PlanNode[], numbers: readonly NumberState[], node: number, position: number): DigitAt {
  const relative = position - plan[node]!.low;
  if (relative < 0) return 'absent';
  const number = numbers[node]!;
  if (relative < number.digits.length) return number.digits[relative]!;
  return number.done ? 'absent' : 'pending';
}

/** Digits (lowest first) of a decimal string. */
function digitsOf(text: string): number[] {
  return [...text].reverse().map(Number);
}

/** Builds the decomposed task for one problem. */
export function createSchoolbookTask(problem: MultiplicationProblem): SchoolbookTask {
  const a = digitsOf(problem.a);
  const b = digitsOf(problem.b);
  const plan = schoolbookPlan(b.length);
  const root = plan.length - 1;
  const truth = exactProduct(problem.a, problem.b);

  /** Applies the scheduler's placements (copies below an operand, the final carry) to every sum, in plan order. */
  const settle = (numbers: NumberState[]): NumberState[] => {
    for (let index = 0; index < plan.length; index++) {
      const node = plan[index]!;
      if (node.kind !== 'sum') continue;
      let number = numbers[index]!;
      const high = Math.max(plan[node.left]!.low, plan[node.right]!.low);
      while (!number.done) {
        const position = node.low + number.digits.length;
        const x = digitAt(plan, numbers, node.left, position);
        const y = digitAt(plan, numbers, node.right, position);
        if (position < high && number.carry === 0) {
          // Only the lower operand has a digit here, and nothing has carried yet: the digit is copied.
          const lower = x === 'absent' ? y : x;
          if (lower === 'pending' || lower === 'absent') break;
          number = { digits: [...number.digits, lower], carry: 0, done: false };
        } else if (x === 'absent' && y === 'absent') {
          // Both operands used up: the last carry is the leading digit, 0 included, so every number's length (and
          // so the whole call graph) is fixed by the operands' lengths alone, never by the voted values.
          number = { digits: [...number.digits, number.carry], carry: 0, done: true };
        } else {
          break;
        }
      }
      numbers[index] = number;
    }
    return numbers;
  };

  const callOf = (state: SchoolbookState, index: number): TaskCall<SchoolbookCallData> | undefined => {
    const node = plan[index]!;
    const number = state.numbers[index]!;
    if (number.done) return undefined;
    const position = node.low + number.digits.length;
    let data: SchoolbookCallData;
    if (node.kind === 'row') {
      data = { operation: 'multiply', node: index, position, x: a[number.digits.length]!, y: b[node.row]!, carry: number.carry };
    } else {
      const x = digitAt(plan, state.numbers, node.left, position);
      const y = digitAt(plan, state.numbers, node.right, position);
      if (x === 'pending' || y === 'pending') return undefined;
      data = { operation: 'add', node: index, position, x: x === 'absent' ? 0 : x, y: y === 'absent' ? 0 : y, carry: number.carry };
    }
    return {
      id: `${node.kind}${index}.${position}`,
      messages: digitMessages(data.operation, data.x, data.y, data.carry),
      data,
    };
  };

  const initialState = (): SchoolbookState => ({
    numbers: settle(plan.map(() => ({ digits: [], carry: 0, done: false }))),
  });

  const absorb = (state: SchoolbookState, call: TaskCall<SchoolbookCallData>, value: DigitAnswer): SchoolbookState => {
    const { node: index, position } = call.data;
    const node = plan[index]!;
    const number = state.numbers[index]!;
    // A call is absorbed once, at the position it was made for; anything else is an engine fault.
    if (number.done || node.low + number.digits.length !== position) {
      throw new Error(`Call ${call.id} absorbed out of order: number ${index} is at position ${node.low + number.digits.length}`);
    }
    const numbers = [...state.numbers];
    const digits = [...number.digits, value.digit];
    // A row's last digit product leaves its carry as the row's leading digit.
    const rowDone = node.kind === 'row' && digits.length === a.length;
    numbers[index] = rowDone ? { digits: [...digits, value.carry], carry: 0, done: true } : { digits, carry: value.carry, done: false };
    return { numbers: settle(numbers) };
  };

  const answer = (state: SchoolbookState): string | undefined => {
    const product = state.numbers[root]!;
    if (!product.done) return undefined;
    const text = product.digits.slice().reverse().join('').replace(/^0+(?=\d)/, '');
    return text === '' ? '0' : text;
  };

  const task: SchoolbookTask = {
    name: 'multiplication',
    strategy: 'decomposed',
    problem,
    plan,
    truth,
    totalCalls: undefined,
    initialState,
    *ready(state) {
      for (let index = 0; index < plan.length; index++) {
        const call = callOf(state, index);
        if (call !== undefined) yield call;
      }
    },
    parse: (text, call) => parseDigitAnswer(text, call.data.operation),
    absorb,
    done: (state) => state.numbers[root]!.done,
    solved: (state) => answer(state) === truth,
    oracle: (_state, call) => digitKey(digitStep(call.data.operation, call.data.x, call.data.y, call.data.carry)),
    answer,
  };
  return { ...task, totalCalls: errorFreeCalls(task) };
}

/** The calls an error-free run makes, by playing every call's correct answer (pure and cheap: no model). */
function errorFreeCalls(task: SchoolbookTask): number {
  return dryRun(task, { respond: (call) => formatDigitAnswer(digitStep(call.data.operation, call.data.x, call.data.y, call.data.carry)) }).calls;
}
