import { describe, expect, it } from 'vitest';
import { createScriptedModel, toolCall } from '../testing/scripted-model.ts';
import { agent } from './agent.ts';
import { approveToolCalls, limitToolCalls, logToolCalls, mapToolResult, retryToolErrors, type ToolMiddleware } from './middleware.ts';
import { tool, type ToolSet } from './tool.ts';

const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } as const;

function setup(calls: ReadonlyArray<ReturnType<typeof toolCall>>, execute: (args: { n: number }) => unknown = (args) => ({ n: args.n, square: args.n * args.n, note: 'verbose' })) {
  const ran: number[] = [];
  const tools: ToolSet = { square: tool<{ n: number }>({ parameters: schema, execute: (args) => (ran.push(args.n), execute(args)) }) };
  const model = createScriptedModel({ script: [{ toolCalls: calls }, 'done'] });
  return { ran, tools, model, received: () => model.calls[1]!.messages.filter((message) => message.role === 'tool').map((message) => message.content) };
}

describe('tool middleware', () => {
  it('wraps each execution as an onion, the first in the array outermost', async () => {
    const order: string[] = [];
    const layer =
      (name: string): ToolMiddleware =>
      async (execution, next) => {
        order.push(`${name} in ${execution.call.name}`);
        const outcome = await next();
        order.push(`${name} out`);
        return outcome;
      };
    const { tools, model } = setup([toolCall('square', { n: 3 })]);
    const tool = tools['square']!;
    const wrapped: ToolSet = { square: { ...tool, execute: (args: never, context) => (order.push('execute'), tool.execute(args, context)) } };
    await agent({ model, prompt: 'go', tools: wrapped, middleware: [layer('outer'), layer('inner')] });
    expect(order).toEqual(['outer in square', 'inner in square', 'execute', 'inner out', 'outer out']);
  });

  it('sees the call id, name, raw and parsed arguments, and the step', async () => {
    const seen: unknown[] = [];
    const { tools, model } = setup([toolCall('square', '{"n": 4}', 'id-4')]);
    await agent({ model, prompt: 'go', tools, middleware: [logToolCalls((execution, outcome) => seen.push({ call: execution.call, args: execution.args, step: execution.step, outcome }))] });
    expect(seen).toEqual([{ call: { id: 'id-4', name: 'square', arguments: '{"n": 4}' }, args: { n: 4 }, step: 0, outcome: { ok: true, value: { n: 4, square: 16, note: 'verbose' } } }]);
  });

  it('denies a call: the tool does not run and the model receives an error result', async () => {
    const { ran, tools, model, received } = setup([toolCall('square', { n: 2 }), toolCall('square', { n: 13 })]);
    await agent({ model, prompt: 'go', tools, middleware: [approveToolCalls((execution) => (execution.args as { n: number }).n < 10 || 'n must be below 10')] });
    expect(ran).toEqual([2]);
    expect(received()).toEqual(['{"n":2,"square":4,"note":"verbose"}', 'Error: Denied: n must be below 10']);
  });

  it('transforms (projects) the result the model receives, not the one the tool returned', async () => {
    const { tools, model, received } = setup([toolCall('square', { n: 5 })]);
    const project = mapToolResult((value) => (value as { square: number }).square);
    const result = await agent({ model, prompt: 'go', tools, middleware: [project] });
    expect(received()).toEqual(['25']);
    expect(result.steps[0]!.toolCalls[0]!.outcome).toEqual({ ok: true, value: 25 });
  });

  it('transforms in onion order: the outer layer sees what the inner one made', async () => {
    const { tools, model, received } = setup([toolCall('square', { n: 5 })]);
    const square = mapToolResult((value) => (value as { square: number }).square);
    const label = mapToolResult((value) => `square: ${String(value)}`);
    await agent({ model, prompt: 'go', tools, middleware: [label, square] });
    expect(received()).toEqual(['square: 25']);
  });

  it('retries a failing call, and the retries are counted as tool calls', async () => {
    let failures = 2;
    const { ran, tools, model, received } = setup([toolCall('square', { n: 3 })], (args) => {
      if (failures-- > 0) throw new Error('flaky');
      return args.n * args.n;
    });
    const result = await agent({ model, prompt: 'go', tools, middleware: [retryToolErrors(3)] });
    expect(ran).toEqual([3, 3, 3]);
    expect(received()).toEqual(['9']);
    expect(result.usage.toolCalls).toBe(3);
  });

  it('charges a budget: calls past the limit are denied', async () => {
    const { ran, tools, model, received } = setup([toolCall('square', { n: 1 }), toolCall('square', { n: 2 }), toolCall('square', { n: 3 })], (args) => args.n);
    await agent({ model, prompt: 'go', tools, middleware: [limitToolCalls(2, 'square')] });
    expect(ran).toEqual([1, 2]);
    expect(received()).toEqual(['1', '2', 'Error: Denied: the budget of 2 calls to square is spent']);
  });

  it('replaces the arguments the inner layers and the tool see', async () => {
    const { ran, tools, model } = setup([toolCall('square', { n: 3 })], (args) => args.n);
    const clamp: ToolMiddleware = (execution, next) => next({ args: { n: Math.min((execution.args as { n: number }).n, 2) } });
    await agent({ model, prompt: 'go', tools, middleware: [clamp] });
    expect(ran).toEqual([2]);
  });

  it('is not reached by calls that fail validation', async () => {
    const seen: string[] = [];
    const { tools, model, received } = setup([toolCall('square', { n: 'x' }), toolCall('cube', { n: 1 })]);
    await agent({ model, prompt: 'go', tools, middleware: [logToolCalls((execution) => seen.push(execution.call.name))] });
    expect(seen).toEqual([]);
    expect(received()).toHaveLength(2);
  });
});
