/**
 * The three strategies as tasks, all run by the same engine and voting executor.
 *
 * - focused: a graph task. The scheduler asks one bounded question per operator node, whose prompt holds only
 *   that node's operator, rule, and its direct children's voted (curvature, sign); a node is ready as soon as its
 *   children are labelled, so independent sub-expressions are asked at the same time. Leaves
 *   (variables and literals) are labelled by the scheduler: their labels are read off the token, not reasoned
 *   about. Affine operator nodes (`+ - * /`, unary `-`) are asked too by default (`affineNodes: 'ask'`), so the
 *   model does every rule application; `affineNodes: 'symbolic'` has the scheduler label them by the sum and
 *   product rules and asks only about atom nodes. The root's voted label is the answer.
 * - accumulating: the same questions in the same order, but each prompt carries every earlier question and its
 *   voted answer, and names arguments by node id, so the bookkeeping lives in the conversation.
 * - flat: a single step whose prompt holds the whole expression.
 */
import { InputError } from '../../core/errors.ts';
import type { GraphTask, StepTask, TaskCall } from '../../core/task.ts';
import { labelKey, parseAnswer } from './answer.ts';
import { isAtomNode, type Expr } from './ast.ts';
import { labelAll, labelNode } from './dcp-labeller.ts';
import type { Label } from './labels.ts';
import { parseExpression } from './parser.ts';
import { postOrder, type PostOrderNode } from './post-order.ts';
import { accumulatingMessages, flatMessages, focusedMessages, type AccumulatedEntry, type AccumulatedQuestion } from './prompts.ts';
import { convexitySim } from './sim.ts';

/** The strategy names, in report order. */
export const STRATEGIES = ['focused', 'flat', 'accumulating'] as const;
/** A strategy name. */
export type Strategy = (typeof STRATEGIES)[number];

/** Options of {@link createConvexityTask}. */
export interface ConvexityTaskOptions {
  /** The expression, as an AST or text (parse errors are `InputError`s with a position). */
  readonly expr: Expr | string;
  /** How the expression is put to the model. @default 'focused' */
  readonly strategy?: Strategy;
  /** Focused and accumulating: whether affine operator nodes are asked (`ask`) or labelled by the scheduler. @default 'ask' */
  readonly affineNodes?: 'ask' | 'symbolic';
}

/**
 * The exact state the scheduler holds: a label per post-order node (undefined until known) and, for the
 * sequential strategies, the next asked node.
 */
export interface ConvexityState {
  readonly labels: readonly (Label | undefined)[];
  /** Post-order index of the next node to ask about; the node count when none is left (focused: labelled nodes). */
  readonly next: number;
}

/** What the caller needs to score a convexity task, whatever its strategy. */
interface ConvexityTaskInfo {
  readonly strategy: Strategy;
  readonly expr: Expr;
  /** DCP's label for the whole expression (the labeller's). */
  readonly truth: Label;
  /** Questions an error-free run asks (voted calls). */
  readonly questions: number;
  /** The answer a final state holds: the root's label (flat: the voted answer). */
  answer(state: ConvexityState): Label | undefined;
}

/** The focused strategy: a graph of node questions, each call's data its post-order index. */
export type FocusedConvexityTask = GraphTask<ConvexityState, Label, number> & ConvexityTaskInfo;

/** The flat and accumulating strategies: step tasks, one question after another. */
export type SequentialConvexityTask = StepTask<ConvexityState, Label> & ConvexityTaskInfo;

/** A convexity task: the focused graph, or a sequential (flat, accumulating) step task. */
export type ConvexityTask = FocusedConvexityTask | SequentialConvexityTask;

/** Builds the convexity task for one expression and strategy. */
export function createConvexityTask(options: ConvexityTaskOptions): ConvexityTask {
  const strategy = options.strategy ?? 'focused';
  if (!(['focused', 'flat', 'accumulating'] as const).includes(strategy)) {
    throw new InputError(`Expected \`strategy\` to be one of focused, flat, accumulating, got \`${String(strategy)}\``);
  }
  const affineNodes = options.affineNodes ?? 'ask';
  if (affineNodes !== 'ask' && affineNodes !== 'symbolic') {
    throw new InputError(`Expected \`affineNodes\` to be ask or symbolic, got \`${String(affineNodes)}\``);
  }
  const expr = typeof options.expr === 'string' ? parseExpression(options.expr) : options.expr;
  const truths = labelAll(expr);
  const truth = truths[truths.length - 1]!;
  if (strategy === 'flat') return flatTask(expr, truth);
  return strategy === 'focused' ? focusedTask(expr, truth, affineNodes) : nodeTask(expr, truth, strategy, affineNodes);
}

function flatTask(expr: Expr, truth: Label): SequentialConvexityTask {
  const messages = flatMessages(expr);
  return {
    name: 'convexity',
    strategy: 'flat',
    expr,
    truth,
    questions: 1,
    totalSteps: 1,
    initialState: () => ({ labels: [undefined], next: 0 }),
    prompt: () => messages,
    parse: parseAnswer,
    absorb: (_state, value) => ({ labels: [value], next: 1 }),
    done: (state) => state.next >= 1,
    solved: (state) => state.labels[0] !== undefined && labelKey(state.labels[0]) === labelKey(truth),
    oracle: () => labelKey(truth),
    answer: (state) => state.labels[0],
  };
}

/**
 * Focused: every asked node whose children are labelled is ready. A node's call id is its place among the asked
 * nodes in post-order, so each question draws the same samples it did when the nodes were asked one by one.
 */
function focusedTask(expr: Expr, truth: Label, affineNodes: 'ask' | 'symbolic'): FocusedConvexityTask {
  const nodes = postOrder(expr);
  const asked = (entry: PostOrderNode): boolean => entry.children.length > 0 && (affineNodes === 'ask' || isAtomNode(entry.node));
  const callIds = new Map<number, string>();
  for (const entry of nodes) if (asked(entry)) callIds.set(entry.index, String(callIds.size));
  const parents = new Array<number>(nodes.length).fill(-1);
  for (const entry of nodes) for (const child of entry.children) parents[child] = entry.index;
  const root = nodes.length - 1;
  const argLabels = (labels: readonly (Label | undefined)[], entry: PostOrderNode): Label[] => entry.children.map((child) => labels[child]!);
  const labelled = (labels: readonly (Label | undefined)[], entry: PostOrderNode) => entry.children.every((child) => labels[child] !== undefined);

  /** Labels `index` and every symbolic ancestor it completes; returns how many nodes were labelled. */
  const settleUp = (labels: (Label | undefined)[], index: number): number => {
    let count = 0;
    for (let parent = parents[index]!; parent >= 0; parent = parents[parent]!) {
      const entry = nodes[parent]!;
      if (asked(entry) || !labelled(labels, entry)) break;
      labels[parent] = labelNode(entry.node, argLabels(labels, entry));
      count++;
    }
    return count;
  };

  const initialState = (): ConvexityState => {
    const labels = new Array<Label | undefined>(nodes.length).fill(undefined);
    let next = 0;
    for (const entry of nodes) {
      if (asked(entry) || !labelled(labels, entry)) continue;
      labels[entry.index] = labelNode(entry.node, argLabels(labels, entry));
      next++;
    }
    return { labels, next };
  };

  return {
    name: 'convexity',
    strategy: 'focused',
    expr,
    truth,
    questions: callIds.size,
    // A bare leaf has nothing to ask; undefined lets the engine run zero calls.
    totalCalls: callIds.size === 0 ? undefined : callIds.size,
    initialState,
    *ready(state) {
      for (const [index, id] of callIds) {
        const entry = nodes[index]!;
        if (state.labels[index] === undefined && labelled(state.labels, entry)) {
          yield { id, data: index, messages: focusedMessages(entry.node, argLabels(state.labels, entry)) } satisfies TaskCall<number>;
        }
      }
    },
    parse: (text) => parseAnswer(text),
    absorb: (state, call, value) => {
      const labels = [...state.labels];
      labels[call.data] = value;
      return { labels, next: state.next + 1 + settleUp(labels, call.data) };
    },
    done: (state) => state.labels[root] !== undefined,
    solved: (state) => state.labels[root] !== undefined && labelKey(state.labels[root]) === labelKey(truth),
    // The locally correct answer: the rule applied to the children's voted labels (what this call should say).
    oracle: (state, call) => labelKey(labelNode(nodes[call.data]!.node, argLabels(state.labels, nodes[call.data]!))),
    answer: (state) => state.labels[root],
  };
}

function nodeTask(expr: Expr, truth: Label, strategy: 'accumulating', affineNodes: 'ask' | 'symbolic'): SequentialConvexityTask {
  const nodes = postOrder(expr);
  const asked = (entry: PostOrderNode): boolean =>
    entry.children.length > 0 && (affineNodes === 'ask' || isAtomNode(entry.node));
  const askedIndices = nodes.filter(asked).map((entry) => entry.index);
  const operatorIndices = nodes.filter((entry) => entry.children.length > 0).map((entry) => entry.index);
  const root = nodes.length - 1;

  /** Labels every node the scheduler labels itself, from `from` on, until the next asked node. */
  const settle = (labels: (Label | undefined)[], from: number): ConvexityState => {
    let index = from;
    for (; index < nodes.length; index++) {
      const entry = nodes[index]!;
      if (asked(entry)) break;
      labels[index] = labelNode(entry.node, entry.children.map((child) => labels[child]!));
    }
    return { labels, next: index };
  };

  const argLabels = (state: ConvexityState, entry: PostOrderNode): Label[] => entry.children.map((child) => state.labels[child]!);
  const question = (index: number): AccumulatedQuestion => ({ id: index, node: nodes[index]!.node, argIds: nodes[index]!.children });
  const leaves = nodes
    .filter((entry) => entry.children.length === 0)
    .map((entry) => ({ id: entry.index, node: entry.node, label: labelNode(entry.node, []) }));

  return {
    name: 'convexity',
    strategy,
    expr,
    truth,
    questions: askedIndices.length,
    // A bare leaf has nothing to ask; undefined lets the scheduler run zero steps.
    totalSteps: askedIndices.length === 0 ? undefined : askedIndices.length,
    initialState: () => settle(new Array<Label | undefined>(nodes.length).fill(undefined), 0),
    prompt: (state) => {
      const earlier: AccumulatedEntry[] = [];
      for (const index of operatorIndices) {
        if (index >= state.next) break;
        const label = state.labels[index]!;
        earlier.push(asked(nodes[index]!) ? { kind: 'asked', question: question(index), answer: label } : { kind: 'labelled', question: question(index), label });
      }
      return accumulatingMessages(expr, leaves, earlier, question(state.next));
    },
    parse: parseAnswer,
    absorb: (state, value) => {
      const labels = [...state.labels];
      labels[state.next] = value;
      return settle(labels, state.next + 1);
    },
    done: (state) => state.next >= nodes.length,
    solved: (state) => state.labels[root] !== undefined && labelKey(state.labels[root]) === labelKey(truth),
    // The locally correct answer: the rule applied to the children's voted labels (what this step should say).
    oracle: (state) => labelKey(labelNode(nodes[state.next]!.node, argLabels(state, nodes[state.next]!))),
    answer: (state) => state.labels[root],
  };
}
