/**
 * A small tool-using task for tests, examples and `maker serve`: "compute (a + b) * c with the tools, then
 * submit". The tools (`add`, `mul`, `submit`) and the simulated model's tool responder, which derives the correct
 * next call from the tool results in the conversation (add, then mul of add's result, then submit) and offers
 * plausible wrong calls (an operand off by one, the wrong operation, a premature submit).
 */
import type { ChatMessage } from '../core/model.ts';
import { tool, type ToolSet } from '../agent/tool.ts';
import type { SimBehaviour, SimConversation, SimTurn } from '../models/sim-behaviour.ts';

const pair = {
  type: 'object',
  properties: { a: { type: 'integer' }, b: { type: 'integer' } },
  required: ['a', 'b'],
  additionalProperties: false,
} as const;
const answer = { type: 'object', properties: { value: { type: 'integer' } }, required: ['value'], additionalProperties: false } as const;

/** The prompt of the task for (a, b, c). */
export function arithmeticPrompt(a: number, b: number, c: number): string {
  return `Compute (${a} + ${b}) * ${c} with the tools: add, then mul, then submit the result.`;
}

/** The tools; `submitted` collects what was submitted. */
export function arithmeticTools(submitted: number[] = []): ToolSet {
  return {
    add: tool<{ a: number; b: number }>({ description: 'Returns a + b.', parameters: pair, execute: ({ a, b }) => a + b }),
    mul: tool<{ a: number; b: number }>({ description: 'Returns a * b.', parameters: pair, execute: ({ a, b }) => a * b }),
    submit: tool<{ value: number }>({
      description: 'Submits the final answer.',
      parameters: answer,
      execute: ({ value }) => {
        submitted.push(value);
        return 'submitted';
      },
    }),
  };
}

/** The last successful result of each tool, read from the conversation's calls and the `tool` messages answering them. */
function results(messages: readonly ChatMessage[]): Map<string, number> {
  const names = new Map<string, string>();
  const found = new Map<string, number>();
  for (const message of messages) {
    for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
    if (message.role === 'tool' && message.toolCallId !== undefined && /^-?\d+$/.test(message.content.trim())) {
      const name = names.get(message.toolCallId);
      if (name !== undefined) found.set(name, Number(message.content));
    }
  }
  return found;
}

function operands(conversation: SimConversation): [number, number, number] | undefined {
  const task = conversation.messages.find((message) => message.role === 'user')?.content ?? '';
  const match = /Compute \((-?\d+) \+ (-?\d+)\) \* (-?\d+)/.exec(task);
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The simulated model's behaviour for the task: tool turns only (a text-only request gets no correct answer). */
export const arithmeticToolsSim: SimBehaviour = {
  respond: () => undefined,
  wrongAnswers: () => ['I cannot compute that without tools.'],
  tools: {
    respond(conversation): SimTurn | undefined {
      const abc = operands(conversation);
      if (abc === undefined) return undefined;
      const [a, b, c] = abc;
      const done = results(conversation.messages);
      const sum = done.get('add');
      const product = done.get('mul');
      if (sum === undefined) return { toolCalls: [{ name: 'add', arguments: { a, b } }] };
      if (product === undefined) return { toolCalls: [{ name: 'mul', arguments: { a: sum, b: c } }] };
      return { toolCalls: [{ name: 'submit', arguments: { value: product } }] };
    },
    wrongTurns(conversation, correct): SimTurn[] {
      const call = correct?.toolCalls?.[0];
      if (call === undefined || typeof call.arguments === 'string') return [{ text: 'The answer is 42.' }];
      const args = call.arguments as { a?: number; b?: number; value?: number };
      if (call.name === 'submit') return [{ toolCalls: [{ name: 'submit', arguments: { value: args.value! + 1 } }] }, { toolCalls: [{ name: 'submit', arguments: { value: args.value! - 10 } }] }];
      const other = call.name === 'add' ? 'mul' : 'add';
      return [
        { toolCalls: [{ name: call.name, arguments: { a: args.a!, b: args.b! + 1 } }] },
        { toolCalls: [{ name: other, arguments: { a: args.a!, b: args.b! } }] },
        { toolCalls: [{ name: 'submit', arguments: { value: args.a! } }] },
      ];
    },
  },
};
