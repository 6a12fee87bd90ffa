/**
 * Example 2, the LLM as scheduler: total the values of `n` items, each found with a `lookup` call, so the
 * sub-goals grow with the task. The baseline and its three recoveries:
 *
 * - **Conversation** (the baseline): one loop; every result stays in the conversation, and the final answer
 *   aggregates all `n` of them from there.
 * - **Compaction**: the same loop cut every `window` turns; the model writes a summary (items done, running
 *   total) with a `summarize` tool, and a fresh loop starts from the task plus that summary.
 * - **Externalisation**: the state lives in a ledger the model reads selectively (`next_item`, `record`); the
 *   loop restarts every `window` turns from the same short prompt, since nothing needed is only in the
 *   conversation, and the total comes from the ledger.
 * - **Host loop** (factoring into code): the host iterates the items, one small `agent()` call each, and adds
 *   up the results itself; optionally voted.
 *
 * The simulated model's responder (`subGoalsSim`) derives the correct next call from the conversation and offers
 * plausible wrong ones; an answer that aggregates `m` results from the conversation (a final sum, a summary) must
 * get `m` readings right at once (`stepsInAnswer`).
 */
import { agent } from '../../agent/agent.ts';
import { hasToolCall, stepCountIs } from '../../agent/stop-conditions.ts';
import { tool, type ToolSet } from '../../agent/tool.ts';
import { addUsage, emptyUsage, type AgentUsage } from '../../agent/usage.ts';
import type { ChatMessage, LanguageModel } from '../../core/model.ts';
import { hashString } from '../../core/rng.ts';
import type { SimBehaviour, SimConversation, SimTurn } from '../../models/sim-behaviour.ts';

/** The item names of a task of size n. */
export function itemsOf(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `item-${i + 1}`);
}

/** An item's value (10 to 99), fixed by the task seed. */
export function valueOf(item: string, seed: number): number {
  return 10 + (hashString(item, seed) % 90);
}

/** The sum the task asks for. */
export function expectedTotal(n: number, seed: number): number {
  return itemsOf(n).reduce((sum, item) => sum + valueOf(item, seed), 0);
}

const integer = { type: 'integer' } as const;
const itemSchema = { type: 'object', properties: { item: { type: 'string' } }, required: ['item'], additionalProperties: false } as const;
const valueSchema = { type: 'object', properties: { value: integer }, required: ['value'], additionalProperties: false } as const;

function lookupTool(seed: number, items: readonly string[]) {
  return tool<{ item: string }>({
    description: "Looks up an item's value.",
    parameters: itemSchema,
    execute: ({ item }) => {
      if (!items.includes(item)) throw new Error(`no item ${item}`);
      return valueOf(item, seed);
    },
  });
}

function submitTool(submitted: number[]) {
  return tool<{ value: number }>({
    description: 'Submits the answer.',
    parameters: valueSchema,
    execute: ({ value }) => {
      submitted.push(value);
      return 'submitted';
    },
  });
}

/** What one run of a strategy came to. */
export interface StrategyRun {
  readonly answer: number | undefined;
  readonly usage: AgentUsage;
  /** Why it ended, when it ended without an answer. */
  readonly stop: string | undefined;
}

/** The system prompt of the baseline and compaction. */
export const TOTAL_SYSTEM = 'You total the values of a list of items. Look up each item with the lookup tool, one at a time, then submit the sum of all the values.';

function listPrompt(items: readonly string[], progress: { done: number; total: number } | undefined): string {
  const head = `Items: ${items.join(', ')}.`;
  if (progress === undefined || progress.done === 0) return head;
  return `${head}\nProgress so far: ${items[0]} to ${items[progress.done - 1]} are done; their running total is ${progress.total}.`;
}

/** The baseline: one conversation holds every result. */
export async function runConversation(model: LanguageModel, n: number, seed: number): Promise<StrategyRun> {
  const items = itemsOf(n);
  const submitted: number[] = [];
  const result = await agent({
    model,
    seed,
    system: TOTAL_SYSTEM,
    prompt: listPrompt(items, undefined),
    tools: { lookup: lookupTool(seed, items), submit: submitTool(submitted) },
    stop: hasToolCall('submit'),
    maxSteps: 4 * n + 10,
  });
  return { answer: submitted.at(-1), usage: result.usage, stop: submitted.length === 0 ? result.stopReason.kind : undefined };
}

/** What the model is asked when its conversation is compacted. */
export const SUMMARIZE_REQUEST = 'Your context is about to be cleared. Summarize your progress with the summarize tool: how many items, from the first, are done, and their running total.';

/** Compaction: the loop is cut every `window` turns and restarted from a summary the model writes. */
export async function runCompaction(model: LanguageModel, n: number, seed: number, window: number): Promise<StrategyRun> {
  const items = itemsOf(n);
  const submitted: number[] = [];
  const usage = emptyUsage();
  let progress = { done: 0, total: 0 };
  for (let round = 0; round < 4 * n + 10 && submitted.length === 0; round++) {
    const segment = await agent({
      model,
      seed: seed + round * 7919,
      system: TOTAL_SYSTEM,
      prompt: listPrompt(items, progress),
      tools: { lookup: lookupTool(seed, items), submit: submitTool(submitted) },
      stop: [hasToolCall('submit'), stepCountIs(window)],
    });
    addUsage(usage, segment.usage);
    if (submitted.length > 0 || segment.stopReason.kind !== 'cap') break;
    const summaries: Array<{ done: number; total: number }> = [];
    const summary = await agent({
      model,
      seed: seed + round * 7919 + 1,
      prompt: [...segment.messages, { role: 'user', content: SUMMARIZE_REQUEST }],
      tools: {
        summarize: tool<{ done: number; total: number }>({
          description: 'Records the progress summary.',
          parameters: { type: 'object', properties: { done: integer, total: integer }, required: ['done', 'total'], additionalProperties: false },
          execute: (args) => (summaries.push(args), 'saved'),
        }),
      },
      stop: hasToolCall('summarize'),
      maxSteps: 3,
    });
    addUsage(usage, summary.usage);
    const last = summaries.at(-1);
    if (last !== undefined && last.done >= 0 && last.done <= n) progress = last;
  }
  return { answer: submitted.at(-1), usage, stop: submitted.length === 0 ? 'no answer' : undefined };
}

/** The system prompt of externalisation. */
export const LEDGER_SYSTEM =
  'You total the values of items. Your progress lives in a ledger, not in this conversation: call next_item to learn what to do next, look that item up, record its value, and repeat; when next_item says done, submit the total it gives.';

/** Externalisation: the state is in a ledger tool; the loop restarts every `window` turns from the same prompt. */
export async function runExternalised(model: LanguageModel, n: number, seed: number, window: number): Promise<StrategyRun> {
  const items = itemsOf(n);
  const submitted: number[] = [];
  const recorded = new Map<string, number>();
  const tools: ToolSet = {
    next_item: tool({
      description: 'The next item to look up, or done and the total.',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
      execute: () => {
        const item = items.find((candidate) => !recorded.has(candidate));
        return item === undefined ? { done: true, total: [...recorded.values()].reduce((a, b) => a + b, 0) } : { item };
      },
    }),
    lookup: lookupTool(seed, items),
    record: tool<{ item: string; value: number }>({
      description: "Records an item's value in the ledger.",
      parameters: { type: 'object', properties: { item: { type: 'string' }, value: integer }, required: ['item', 'value'], additionalProperties: false },
      execute: ({ item, value }) => {
        if (!items.includes(item)) throw new Error(`no item ${item}`);
        recorded.set(item, value);
        return 'recorded';
      },
    }),
    submit: submitTool(submitted),
  };
  const usage = emptyUsage();
  for (let round = 0; round < 4 * n + 10 && submitted.length === 0; round++) {
    const segment = await agent({
      model,
      seed: seed + round * 7919,
      system: LEDGER_SYSTEM,
      prompt: `There are ${n} items; the ledger tracks them.`,
      tools,
      stop: [hasToolCall('submit'), stepCountIs(window)],
    });
    addUsage(usage, segment.usage);
    if (submitted.length > 0 || segment.stopReason.kind !== 'cap') break;
  }
  return { answer: submitted.at(-1), usage, stop: submitted.length === 0 ? 'no answer' : undefined };
}

/** Factoring into code: the host iterates, one small agent per item, and adds up itself. */
export async function runHostLoop(model: LanguageModel, n: number, seed: number, k?: number): Promise<StrategyRun> {
  const items = itemsOf(n);
  const usage = emptyUsage();
  let total = 0;
  for (const [index, item] of items.entries()) {
    const submitted: number[] = [];
    const result = await agent({
      model,
      seed: seed * 1000 + index,
      prompt: `Look up ${item} and submit its value.`,
      tools: { lookup: lookupTool(seed, items), submit: submitTool(submitted) },
      stop: hasToolCall('submit'),
      maxSteps: 6,
      ...(k === undefined ? {} : { vote: { k } }),
    });
    addUsage(usage, result.usage);
    if (submitted.length === 0) return { answer: undefined, usage, stop: `${item}: ${result.stopReason.kind}` };
    total += submitted.at(-1)!;
  }
  return { answer: total, usage, stop: undefined };
}

// ---- the simulated model's responder ----

const call = (name: string, args: Record<string, unknown>): SimTurn => ({ toolCalls: [{ name, arguments: args }] });

/** Every call in the conversation with the result answering it (`undefined` while unanswered). */
function exchanges(messages: readonly ChatMessage[]): Array<{ name: string; args: Record<string, unknown>; result: string | undefined }> {
  const found: Array<{ name: string; args: Record<string, unknown>; result: string | undefined }> = [];
  const byId = new Map<string, (typeof found)[number]>();
  for (const message of messages) {
    for (const made of message.toolCalls ?? []) {
      let args: Record<string, unknown> = {};
      try {
        args = JSON.parse(made.arguments) as Record<string, unknown>;
      } catch {
        // a broken call; its error result is what the model sees
      }
      const entry = { name: made.name, args, result: undefined as string | undefined };
      found.push(entry);
      byId.set(made.id, entry);
    }
    if (message.role === 'tool') {
      const entry = byId.get(message.toolCallId ?? '');
      if (entry !== undefined) entry.result = message.content;
    }
  }
  return found;
}

/** Values looked up successfully in this conversation, by item. */
function lookedUp(messages: readonly ChatMessage[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const entry of exchanges(messages)) {
    if (entry.name === 'lookup' && entry.result !== undefined && /^\d+$/.test(entry.result)) values.set(String(entry.args['item']), Number(entry.result));
  }
  return values;
}

function taskOf(messages: readonly ChatMessage[]): { items: string[]; done: number; total: number } {
  const text = messages.find((message) => message.role === 'user')?.content ?? '';
  const items = /^Items: (.*)\.$/m.exec(text)?.[1]?.split(', ') ?? [];
  const progress = /Progress so far: \S+ to item-(\d+) are done; their running total is (-?\d+)\./.exec(text);
  return { items, done: progress === null ? 0 : Number(progress[1]), total: progress === null ? 0 : Number(progress[2]) };
}

/** The conversation baseline and compaction segments: look up the first pending item, else submit the sum. */
function listTurn(messages: readonly ChatMessage[]): { turn: SimTurn; aggregated: number } | undefined {
  const { items, done, total } = taskOf(messages);
  if (items.length === 0) return undefined;
  const values = lookedUp(messages);
  const pending = items.slice(done).filter((item) => !values.has(item));
  if (pending.length > 0) return { turn: call('lookup', { item: pending[0]! }), aggregated: 1 };
  const sum = items.slice(done).reduce((acc, item) => acc + values.get(item)!, total);
  return { turn: call('submit', { value: sum }), aggregated: items.length - done + (done > 0 ? 1 : 0) };
}

/** A summary: the items done in order from the first, and their running total. */
function summaryTurn(messages: readonly ChatMessage[]): { turn: SimTurn; aggregated: number } | undefined {
  const { items, done, total } = taskOf(messages);
  if (items.length === 0) return undefined;
  const values = lookedUp(messages);
  let through = done;
  let sum = total;
  while (through < items.length && values.has(items[through]!)) sum += values.get(items[through++]!)!;
  return { turn: call('summarize', { done: through, total: sum }), aggregated: through - done + (done > 0 ? 1 : 0) };
}

/** The ledger protocol: next_item, lookup it, record it, and submit the ledger's total. */
function ledgerTurn(messages: readonly ChatMessage[]): SimTurn {
  const all = exchanges(messages);
  const last = all.at(-1);
  if (last === undefined || last.result === undefined || last.result.startsWith('Error')) return call('next_item', {});
  if (last.name === 'next_item') {
    const next = JSON.parse(last.result) as { item?: string; done?: boolean; total?: number };
    return next.done === true ? call('submit', { value: next.total! }) : call('lookup', { item: next.item! });
  }
  if (last.name === 'lookup') {
    const wanted = [...all].reverse().find((entry) => entry.name === 'next_item' && entry.result !== undefined);
    const item = wanted === undefined ? undefined : (JSON.parse(wanted.result!) as { item?: string }).item;
    if (item === undefined) return call('next_item', {});
    return last.args['item'] === item && /^\d+$/.test(last.result) ? call('record', { item, value: Number(last.result) }) : call('lookup', { item });
  }
  return call('next_item', {});
}

/** One item of the host loop: look it up, then submit its value. */
function itemTurn(messages: readonly ChatMessage[]): SimTurn | undefined {
  const item = /^Look up (\S+) and submit/.exec(messages.find((message) => message.role === 'user')?.content ?? '')?.[1];
  if (item === undefined) return undefined;
  const value = lookedUp(messages).get(item);
  return value === undefined ? call('lookup', { item }) : call('submit', { value });
}

function decide(conversation: SimConversation): { turn: SimTurn; aggregated: number } | undefined {
  const names = new Set(conversation.tools.map((spec) => spec.name));
  const { messages } = conversation;
  if (names.has('summarize')) return summaryTurn(messages);
  if (names.has('next_item')) return { turn: ledgerTurn(messages), aggregated: 1 };
  if (/^Look up /.test(messages.find((message) => message.role === 'user')?.content ?? '')) {
    const turn = itemTurn(messages);
    return turn === undefined ? undefined : { turn, aggregated: 1 };
  }
  return listTurn(messages);
}

function neighbour(item: string, by: number): string {
  return `item-${Math.max(1, Number(item.replace('item-', '')) + by)}`;
}

/** Plausible wrong turns: a neighbouring item, a value or total off by a little, a premature answer. */
function wrongTurns(conversation: SimConversation, correct: SimTurn | undefined): SimTurn[] {
  const made = correct?.toolCalls?.[0];
  if (made === undefined || typeof made.arguments === 'string') return [call('submit', { value: 0 })];
  const args = made.arguments as Record<string, number | string>;
  const running = [...lookedUp(conversation.messages).values()].reduce((a, b) => a + b, taskOf(conversation.messages).total);
  switch (made.name) {
    case 'lookup':
      return [call('lookup', { item: neighbour(String(args['item']), 1) }), call('lookup', { item: neighbour(String(args['item']), -1) }), call('submit', { value: running })];
    case 'submit':
      return [call('submit', { value: Number(args['value']) + 1 }), call('submit', { value: Number(args['value']) - 10 })];
    case 'record':
      return [call('record', { item: args['item']!, value: Number(args['value']) + 1 }), call('next_item', {})];
    case 'summarize':
      return [call('summarize', { done: Number(args['done']) + 1, total: args['total']! }), call('summarize', { done: args['done']!, total: Number(args['total']) + 10 })];
    default:
      return [call('lookup', { item: 'item-1' }), call('submit', { value: running })];
  }
}

/** The simulated model's behaviour for every strategy (told apart by the tools offered and the prompt). */
export const subGoalsSim: SimBehaviour = {
  respond: () => undefined,
  wrongAnswers: () => ['I will estimate the total instead.'],
  tools: {
    respond: (conversation) => decide(conversation)?.turn,
    wrongTurns,
    stepsInAnswer: (conversation) => decide(conversation)?.aggregated ?? 1,
  },
};
