/**
 * Example 1, the recursive decomposition: evaluate a fully parenthesised expression tree of `size` operator
 * nodes (`+` and `-` over digits), one node per decision. Two ways to hold the task stack:
 *
 * - **Control runtime**: one framework-owned loop whose extra tool `control` holds the stack (`push_subtasks`,
 *   `next_task`, `project_for_task`, `checkpoint`); the model drives it turn by turn, and the whole traversal
 *   stays in one conversation.
 * - **Host recursion**: `solve(expr)` is an `agent()` call; a node whose children are sub-expressions gets a
 *   `solve` tool whose `execute` is the recursive call (a sub-agent), a node of digits gets only `submit`. Each
 *   conversation holds one node.
 *
 * The simulated model's tool responder (`expressionTreeSim`) derives the correct next call from what the
 * conversation shows and offers plausible wrong ones (a value off by one or two, a sub-expression copied with a
 * digit changed, a redundant `next_task`); the simulated model's error rate, per-prompt difficulty and context
 * degradation decide how often it errs.
 */
import { agent, type AgentResult } from '../../agent/agent.ts';
import { hasToolCall } from '../../agent/stop-conditions.ts';
import { tool, type ToolContext, type ToolSet } from '../../agent/tool.ts';
import { addUsage, emptyUsage, type AgentUsage } from '../../agent/usage.ts';
import type { ChatMessage, LanguageModel } from '../../core/model.ts';
import { randomStream, type Random } from '../../core/rng.ts';
import type { SimBehaviour, SimConversation, SimTurn } from '../../models/sim-behaviour.ts';

/** A node of the tree: a digit, or an operator over two sub-trees. */
export type Expr = number | { readonly op: '+' | '-'; readonly left: Expr; readonly right: Expr };

/** A random tree of exactly `size` operator nodes over digits 1 to 9. */
export function randomExpr(size: number, random: Random): Expr {
  if (size === 0) return 1 + Math.floor(random() * 9);
  const leftSize = Math.floor(random() * size);
  return { op: random() < 0.5 ? '+' : '-', left: randomExpr(leftSize, random), right: randomExpr(size - 1 - leftSize, random) };
}

/** The tree for (size, seed). */
export function exprFor(size: number, seed: number): Expr {
  return randomExpr(size, randomStream(seed, size, 0x74726565));
}

/** The fully parenthesised text of a tree: `((3 + 4) - 5)`. */
export function print(expr: Expr): string {
  return typeof expr === 'number' ? String(expr) : `(${print(expr.left)} ${expr.op} ${print(expr.right)})`;
}

/** The tree's value: the oracle the runs are checked against. */
export function evaluate(expr: Expr): number {
  if (typeof expr === 'number') return expr;
  const left = evaluate(expr.left);
  const right = evaluate(expr.right);
  return expr.op === '+' ? left + right : left - right;
}

/** Parses what `print` writes (integers may be negative, as substituted values are); undefined for anything else. */
export function parse(text: string): Expr | undefined {
  let at = 0;
  const node = (): Expr | undefined => {
    if (text[at] === '(') {
      at++;
      const left = node();
      const match = /^ ([+-]) /.exec(text.slice(at));
      if (left === undefined || match === null) return undefined;
      at += 3;
      const right = node();
      if (right === undefined || text[at] !== ')') return undefined;
      at++;
      return { op: match[1] as '+' | '-', left, right };
    }
    const match = /^-?\d+/.exec(text.slice(at));
    if (match === null) return undefined;
    at += match[0].length;
    return Number(match[0]);
  };
  const expr = node();
  return expr !== undefined && at === text.length ? expr : undefined;
}

/** The operator nodes among a node's children, in order. */
function subExpressions(expr: Expr): Expr[] {
  return typeof expr === 'number' ? [] : [expr.left, expr.right].filter((child) => typeof child !== 'number');
}

/** The same expression with one digit changed: a sub-task copied wrongly. */
function miscopy(text: string): string {
  const index = text.search(/\d/);
  if (index < 0) return `${text} `;
  const digit = Number(text[index]);
  return `${text.slice(0, index)}${digit === 9 ? 1 : digit + 1}${text.slice(index + 1)}`;
}

const integer = { type: 'integer' } as const;

// ---- the control runtime: one loop, the stack in a tool ----

/** The control runtime's system prompt: the protocol the model follows. */
export const CONTROL_SYSTEM = [
  'You evaluate an arithmetic expression by decomposition, one node at a time, using the control tool, which holds a task stack.',
  'Protocol: call control with op next_task. If the task is new and both operands are numbers, checkpoint its value.',
  'If it is new and has sub-expressions, push_subtasks with them (copied exactly). If it is ready (its sub-tasks are done),',
  'project_for_task to see it with its sub-tasks replaced by their values, then checkpoint its value. After push_subtasks',
  'or checkpoint, call next_task again. When next_task says done, submit the result.',
].join(' ');

/** The control tool and `submit`, over a fresh stack for `root`; `submitted` collects submissions. */
export function controlTools(root: string, submitted: number[]): ToolSet {
  interface Task {
    readonly expr: string;
    children: string[];
    value: number | undefined;
  }
  const tasks = new Map<string, Task>([['t0', { expr: root, children: [], value: undefined }]]);
  const stack = ['t0'];
  let next = 1;
  const control = tool<{ op: string; id?: string; subtasks?: string[]; value?: number }>({
    description: 'The task stack: op next_task | push_subtasks (id, subtasks) | project_for_task (id) | checkpoint (id, value).',
    parameters: {
      type: 'object',
      properties: {
        op: { type: 'string', enum: ['next_task', 'push_subtasks', 'project_for_task', 'checkpoint'] },
        id: { type: 'string' },
        subtasks: { type: 'array', items: { type: 'string' } },
        value: integer,
      },
      required: ['op'],
      additionalProperties: false,
    },
    execute: ({ op, id, subtasks, value }) => {
      const top = stack.at(-1);
      const task = id === undefined ? undefined : tasks.get(id);
      switch (op) {
        case 'next_task': {
          if (top === undefined) return { done: true, result: tasks.get('t0')!.value };
          const current = tasks.get(top)!;
          return { id: top, expr: current.expr, status: current.children.length === 0 ? 'new' : 'ready' };
        }
        case 'push_subtasks': {
          if (task === undefined || id !== top || task.children.length > 0) throw new Error('push_subtasks needs the id of the new task on top of the stack');
          if (subtasks === undefined || subtasks.length === 0) throw new Error('push_subtasks needs at least one subtask');
          const ids = subtasks.map((expr) => {
            const child = `t${next++}`;
            tasks.set(child, { expr, children: [], value: undefined });
            return child;
          });
          task.children = ids;
          stack.push(...[...ids].reverse());
          return { pushed: ids };
        }
        case 'project_for_task': {
          if (task === undefined || task.children.length === 0) throw new Error('project_for_task needs the id of a task with sub-tasks');
          const values = task.children.map((child) => tasks.get(child)!.value);
          if (values.some((value) => value === undefined)) throw new Error('its sub-tasks are not all done');
          // Sub-tasks stand for the node's operator children in order, whatever text they were pushed with.
          const parsed = parse(task.expr);
          if (parsed === undefined || typeof parsed === 'number') return { id, expr: task.expr };
          let position = 0;
          const operand = (child: Expr) => (typeof child === 'number' || position >= values.length ? print(child) : String(values[position++]));
          return { id, expr: `(${operand(parsed.left)} ${parsed.op} ${operand(parsed.right)})` };
        }
        case 'checkpoint': {
          if (task === undefined || id !== top || value === undefined) throw new Error('checkpoint needs the id of the task on top of the stack and its value');
          task.value = value;
          stack.pop();
          return { ok: true };
        }
        default:
          throw new Error(`unknown op ${op}`);
      }
    },
  });
  return { control, submit: submitTool(submitted) };
}

function submitTool(submitted: number[]) {
  return tool<{ value: number }>({
    description: 'Submits the value.',
    parameters: { type: 'object', properties: { value: integer }, required: ['value'], additionalProperties: false },
    execute: ({ value }) => {
      submitted.push(value);
      return 'submitted';
    },
  });
}

/** One run of the control runtime. */
export async function runControlRuntime(model: LanguageModel, expr: Expr, seed: number): Promise<{ answer: number | undefined; result: AgentResult }> {
  const submitted: number[] = [];
  const root = print(expr);
  const result = await agent({
    model,
    system: CONTROL_SYSTEM,
    prompt: `Evaluate: ${root}`,
    tools: controlTools(root, submitted),
    stop: hasToolCall('submit'),
    maxSteps: 20 + 8 * countNodes(expr),
    seed,
  });
  return { answer: submitted.at(-1), result };
}

function countNodes(expr: Expr): number {
  return typeof expr === 'number' ? 0 : 1 + countNodes(expr.left) + countNodes(expr.right);
}

// ---- host recursion: solve(expr) is an agent() call ----

/** The host-recursion prompt of one node. */
export const SOLVE_SYSTEM = 'You evaluate one arithmetic expression. Solve each sub-expression with the solve tool (all at once), then submit the value.';

/** Evaluates `expr` with one agent per node: the tools of a node depend on its children (a narrower surface for leaves). */
export async function solve(
  expr: string,
  options: { readonly model?: LanguageModel; readonly parent?: ToolContext; readonly seed?: number; readonly k?: number },
): Promise<{ value: number | undefined; usage: AgentUsage }> {
  const submitted: number[] = [];
  const parsed = parse(expr);
  const needsChildren = parsed !== undefined && subExpressions(parsed).length > 0;
  const tools: Record<string, ToolSet[string]> = { submit: submitTool(submitted) };
  if (needsChildren) {
    tools['solve'] = tool<{ expr: string }>({
      description: 'Evaluates a sub-expression.',
      parameters: { type: 'object', properties: { expr: { type: 'string' } }, required: ['expr'], additionalProperties: false },
      execute: async ({ expr: child }, context) => {
        const { value } = await solve(child, { parent: context, ...(options.k === undefined ? {} : { k: options.k }) });
        if (value === undefined) throw new Error(`no value for ${child}`);
        return value;
      },
    });
  }
  const result = await agent({
    ...(options.model === undefined ? {} : { model: options.model }),
    ...(options.parent === undefined ? {} : { parent: options.parent }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.k === undefined ? {} : { vote: { k: options.k } }),
    system: SOLVE_SYSTEM,
    prompt: `Evaluate: ${expr}`,
    tools,
    stop: hasToolCall('submit'),
    maxSteps: 8,
  });
  const usage = emptyUsage();
  addUsage(usage, result.usage);
  return { value: submitted.at(-1), usage };
}

/** One run of host recursion. */
export async function runHostRecursion(model: LanguageModel, expr: Expr, seed: number, k?: number): Promise<{ answer: number | undefined; usage: AgentUsage }> {
  const { value, usage } = await solve(print(expr), { model, seed, ...(k === undefined ? {} : { k }) });
  return { answer: value, usage };
}

// ---- the simulated model's responder ----

/** The last assistant call and the tool message answering it. */
function lastExchange(messages: readonly ChatMessage[]): { name: string; args: Record<string, unknown>; result: string } | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    const call = message.toolCalls?.at(-1);
    if (message.role !== 'assistant' || call === undefined) continue;
    const answer = messages.slice(i + 1).find((m) => m.role === 'tool' && m.toolCallId === call.id);
    let args: Record<string, unknown> = {};
    try {
      args = JSON.parse(call.arguments) as Record<string, unknown>;
    } catch {
      // a broken call: its error result tells the model to start over with next_task
    }
    return { name: call.name, args, result: answer?.content ?? '' };
  }
  return undefined;
}

const control = (op: string, extra: Record<string, unknown> = {}): SimTurn => ({ toolCalls: [{ name: 'control', arguments: { op, ...extra } }] });
const submit = (value: number): SimTurn => ({ toolCalls: [{ name: 'submit', arguments: { value } }] });

/** The correct next turn of the control runtime. */
function controlTurn(messages: readonly ChatMessage[]): SimTurn | undefined {
  const last = lastExchange(messages);
  if (last === undefined || last.name !== 'control' || last.result.startsWith('Error')) return control('next_task');
  const result = JSON.parse(last.result) as Record<string, unknown>;
  if (last.args['op'] === 'next_task') {
    if (result['done'] === true) return typeof result['result'] === 'number' ? submit(result['result']) : undefined;
    const expr = parse(String(result['expr']));
    if (expr === undefined) return undefined;
    const id = String(result['id']);
    if (result['status'] === 'ready') return control('project_for_task', { id });
    const subs = subExpressions(expr);
    return subs.length === 0 ? control('checkpoint', { id, value: evaluate(expr) }) : control('push_subtasks', { id, subtasks: subs.map(print) });
  }
  if (last.args['op'] === 'project_for_task') {
    const expr = parse(String(result['expr']));
    return expr === undefined ? undefined : control('checkpoint', { id: String(result['id']), value: evaluate(expr) });
  }
  return control('next_task');
}

/** The correct next turn of one host-recursion node. */
function solveTurn(messages: readonly ChatMessage[]): SimTurn | undefined {
  const task = messages.find((message) => message.role === 'user')?.content.replace(/^Evaluate: /, '') ?? '';
  const expr = parse(task);
  if (expr === undefined || typeof expr === 'number') return undefined;
  // Values of solved sub-expressions: each solve call's argument, and the result answering it.
  const solved = new Map<string, number>();
  const asked = new Map<string, string>();
  for (const message of messages) {
    for (const call of message.toolCalls ?? []) {
      if (call.name !== 'solve') continue;
      try {
        asked.set(call.id, (JSON.parse(call.arguments) as { expr: string }).expr);
      } catch {
        // a broken call: its error result is all the model learns from it
      }
    }
    if (message.role === 'tool' && asked.has(message.toolCallId ?? '') && /^-?\d+$/.test(message.content)) solved.set(asked.get(message.toolCallId!)!, Number(message.content));
  }
  const missing = subExpressions(expr).map(print).filter((text) => !solved.has(text));
  if (missing.length > 0) return { toolCalls: missing.map((text) => ({ name: 'solve', arguments: { expr: text } })) };
  const value = (child: Expr) => (typeof child === 'number' ? child : solved.get(print(child))!);
  return submit(expr.op === '+' ? value(expr.left) + value(expr.right) : value(expr.left) - value(expr.right));
}

/** Plausible wrong turns for a correct one. */
function wrongTurns(correct: SimTurn | undefined): SimTurn[] {
  const call = correct?.toolCalls?.[0];
  if (call === undefined || typeof call.arguments === 'string') return [control('next_task')];
  const args = call.arguments as Record<string, unknown>;
  const calls = correct!.toolCalls!;
  if (call.name === 'submit') return [submit((args['value'] as number) + 1), submit((args['value'] as number) - 2)];
  if (call.name === 'solve') {
    const exprs = calls.map((c) => (c.arguments as { expr: string }).expr);
    return [{ toolCalls: exprs.map((expr, n) => ({ name: 'solve', arguments: { expr: n === 0 ? miscopy(expr) : expr } })) }, submit(0)];
  }
  switch (args['op']) {
    case 'checkpoint':
      return [control('checkpoint', { ...args, value: (args['value'] as number) + 1 }), control('checkpoint', { ...args, value: (args['value'] as number) - 2 }), control('next_task')];
    case 'push_subtasks': {
      const subtasks = args['subtasks'] as string[];
      return [control('push_subtasks', { ...args, subtasks: [miscopy(subtasks[0]!), ...subtasks.slice(1)] }), control('next_task')];
    }
    case 'project_for_task':
      return [control('checkpoint', { id: args['id'], value: 0 }), control('next_task')];
    default:
      return [control('project_for_task', { id: 't0' }), control('checkpoint', { id: 't0', value: 0 })];
  }
}

function respond(conversation: SimConversation): SimTurn | undefined {
  const names = conversation.tools.map((spec) => spec.name);
  return names.includes('control') ? controlTurn(conversation.messages) : solveTurn(conversation.messages);
}

/** The simulated model's behaviour for both constructions (told apart by the tools offered). */
export const expressionTreeSim: SimBehaviour = {
  respond: () => undefined,
  wrongAnswers: () => ['I will just guess: 0'],
  tools: { respond, wrongTurns: (_, correct) => wrongTurns(correct) },
};
