import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InputError, isAbortError } from '../core/errors.ts';
import type { ModelRequest } from '../core/model.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { createScriptedModel, response, toolCall } from '../testing/scripted-model.ts';
import { agent } from './agent.ts';
import { hasToolCall, outputMatches, stepCountIs } from './stop-conditions.ts';
import { tool, type ToolSet } from './tool.ts';

const value = { type: 'object', properties: { value: { type: 'integer' } }, required: ['value'], additionalProperties: false } as const;
const nothing = { type: 'object', properties: {} } as const;

function recorder() {
  const ran: Array<[string, unknown]> = [];
  const tools = {
    double: tool<{ value: number }>({ description: 'twice the value', parameters: value, execute: (args) => (ran.push(['double', args]), args.value * 2) }),
    submit: tool<{ value: number }>({ parameters: value, execute: (args) => (ran.push(['submit', args]), 'ok') }),
  };
  return { ran, tools };
}

/** The messages of the model's n-th request. */
const seen = (calls: readonly ModelRequest[], n: number) => calls[n]!.messages;

describe('agent()', () => {
  it('answers without tools and stops as model-finished by default', async () => {
    const model = createScriptedModel({ script: ['Paris'] });
    const result = await agent({ model, prompt: 'Capital of France?' });
    expect(result.text).toBe('Paris');
    expect(result.stopReason).toEqual({ kind: 'done', condition: 'model-finished', message: 'the model answered without calling a tool' });
    expect(model.calls[0]!.tools).toBeUndefined();
    expect(result.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('puts the system message first and offers the tools with their schemas', async () => {
    const { tools } = recorder();
    const model = createScriptedModel({ script: ['done'] });
    await agent({ model, prompt: 'go', system: 'be brief', tools });
    expect(seen(model.calls, 0)).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'go' },
    ]);
    expect(model.calls[0]!.tools).toEqual([
      { name: 'double', description: 'twice the value', parameters: value },
      { name: 'submit', parameters: value },
    ]);
  });

  it('runs parallel calls in the order made and answers each under its own id', async () => {
    const { ran, tools } = recorder();
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('double', { value: 1 }, 'a'), toolCall('double', { value: 5 }, 'b')] }, 'finished'] });
    const result = await agent({ model, prompt: 'go', tools });
    expect(ran).toEqual([
      ['double', { value: 1 }],
      ['double', { value: 5 }],
    ]);
    expect(seen(model.calls, 1).slice(-2)).toEqual([
      { role: 'tool', content: '2', toolCallId: 'a' },
      { role: 'tool', content: '10', toolCallId: 'b' },
    ]);
    expect(result.steps[0]!.toolCalls.map((entry) => entry.status)).toEqual(['executed', 'executed']);
  });

  it('answers a call to an unknown tool with an error result, runs nothing, and gives the model another turn', async () => {
    const { ran, tools } = recorder();
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('triple', { value: 1 }, 'x')] }, 'gave up'] });
    const result = await agent({ model, prompt: 'go', tools });
    expect(ran).toEqual([]);
    expect(seen(model.calls, 1).at(-1)).toEqual({ role: 'tool', content: 'Error: Unknown tool `triple`; the tools are: double, submit', toolCallId: 'x' });
    expect(result.steps[0]!.toolCalls[0]!.status).toBe('unknown-tool');
    expect(result.usage.toolCalls).toBe(0);
  });

  it('never runs a call whose arguments fail the schema or are not JSON, and tells the model what is wrong', async () => {
    const { ran, tools } = recorder();
    const model = createScriptedModel({
      script: [{ toolCalls: [toolCall('double', { value: 'two' }, 'x'), toolCall('double', '{"value": 2', 'y'), toolCall('double', { value: 3 }, 'z')] }, 'done'],
    });
    const result = await agent({ model, prompt: 'go', tools });
    expect(ran).toEqual([['double', { value: 3 }]]);
    const answers = seen(model.calls, 1).slice(-3);
    expect(answers[0]).toEqual({ role: 'tool', content: 'Error: Invalid arguments for `double`: `/value` must be integer', toolCallId: 'x' });
    expect(answers[1]!.content).toMatch(/^Error: Invalid arguments for `double`: not valid JSON/);
    expect(answers[2]).toEqual({ role: 'tool', content: '6', toolCallId: 'z' });
    expect(result.steps[0]!.toolCalls.map((entry) => entry.status)).toEqual(['invalid-arguments', 'invalid-arguments', 'executed']);
  });

  it('gives the model an error result when a tool throws', async () => {
    const tools = { fail: tool({ parameters: nothing, execute: () => Promise.reject(new Error('disk full')) }) };
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('fail', {}, 'f')] }, 'sorry'] });
    const result = await agent({ model, prompt: 'go', tools });
    expect(seen(model.calls, 1).at(-1)).toEqual({ role: 'tool', content: 'Error: disk full', toolCallId: 'f' });
    expect(result.steps[0]!.toolCalls[0]!.outcome).toMatchObject({ ok: false, error: 'disk full' });
  });

  it('stops with a cap at maxSteps when no condition holds', async () => {
    const { tools } = recorder();
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('double', { value: 1 })] }], whenExhausted: 'repeat-last' });
    const result = await agent({ model, prompt: 'go', tools, maxSteps: 4 });
    expect(model.calls).toHaveLength(4);
    expect(result.stopReason).toMatchObject({ kind: 'cap', condition: 'max-steps' });
  });

  it('stops with a cap before a turn whose prompt, tool schemas included, is over the context budget', async () => {
    const { tools } = recorder();
    const big = 'word '.repeat(200);
    const model = createScriptedModel({ script: ['done'], whenExhausted: 'repeat-last' });
    const withoutTools = await agent({ model, prompt: big, contextBudget: 250 });
    expect(withoutTools.stopReason.kind).toBe('done');
    const withTools = await agent({ model, prompt: big, tools, contextBudget: 250 });
    expect(withTools.stopReason).toMatchObject({ kind: 'cap', condition: 'context-budget' });
    expect(withTools.steps).toHaveLength(0);
  });

  it("stops with a cap when the dispatcher's budget refuses a call", async () => {
    const { tools } = recorder();
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('double', { value: 1 })] }], whenExhausted: 'repeat-last' });
    const dispatcher = createDispatcher({ model, budget: { calls: 2 } });
    const result = await agent({ dispatcher, prompt: 'go', tools });
    expect(result.steps).toHaveLength(2);
    expect(result.stopReason).toMatchObject({ kind: 'cap', condition: 'budget: calls' });
  });

  it('ends unmet when the model answers without a tool call and no condition holds', async () => {
    const { tools } = recorder();
    const model = createScriptedModel({ script: ['I am done'] });
    const result = await agent({ model, prompt: 'go', tools, stop: hasToolCall('submit') });
    expect(result.stopReason).toEqual({ kind: 'unmet', message: 'the model answered without calling a tool, and no stop condition held (tool-call)' });
  });

  it('continues a conversation given as messages', async () => {
    const model = createScriptedModel({ script: ['42'], whenExhausted: 'repeat-last' });
    const first = await agent({ model, prompt: 'think of a number' });
    const second = await agent({ model, prompt: [...first.messages, { role: 'user', content: 'again' }] });
    expect(seen(model.calls, 1)).toHaveLength(3);
    expect(second.messages).toHaveLength(4);
  });

  it('rejects bad options with one line quoting the value', async () => {
    const model = createScriptedModel({ script: ['x'] });
    const bad = [
      () => agent({ prompt: 'go' }),
      () => agent({ model, prompt: '' }),
      () => agent({ model, prompt: 'go', maxSteps: 0 }),
      () => agent({ model, prompt: 'go', vote: { k: 0 } }),
      () => agent({ model, prompt: 'go', stop: [] }),
      () => agent({ model, prompt: 'go', tools: { 'bad name': tool({ parameters: nothing, execute: () => 1 }) } }),
      () => agent({ model, prompt: 'go', tools: { t: tool({ parameters: { type: 'nonsense' }, execute: () => 1 }) } }),
    ];
    for (const call of bad) {
      const error = await call().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).not.toContain('\n');
    }
    const maxSteps = await agent({ model, prompt: 'go', maxSteps: 0 }).catch((caught: unknown) => caught);
    expect((maxSteps as Error).message).toBe('Expected `maxSteps` to be an integer >= 1, got `0`');
    expect(model.calls).toHaveLength(0);
  });
});

describe('sub-agents', () => {
  it('run as recursive calls from a tool, with their own tools and stop, and their usage rolls up', async () => {
    // The parent can only delegate; the child can only add and submit. Each sees only its own surface.
    const sum = { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } }, required: ['a', 'b'] } as const;
    const childTools: ToolSet = {
      add: tool<{ a: number; b: number }>({ parameters: sum, execute: (args) => args.a + args.b }),
      submit: tool<{ value: number }>({ parameters: value, execute: (args) => args.value }),
    };
    const depths: number[] = [];
    const model = createScriptedModel({
      script: [
        { toolCalls: [toolCall('delegate', { task: 'add 2 and 3' }, 'd')], usage: { promptTokens: 100, completionTokens: 1 } },
        { toolCalls: [toolCall('add', { a: 2, b: 3 }, 'c1')], usage: { promptTokens: 10, completionTokens: 1 } },
        { toolCalls: [toolCall('submit', { value: 5 }, 'c2')], usage: { promptTokens: 10, completionTokens: 1 } },
        { text: 'The answer is 5', usage: { promptTokens: 100, completionTokens: 1 } },
      ],
    });
    const parentTools: ToolSet = {
      delegate: tool<{ task: string }>({
        parameters: { type: 'object', properties: { task: { type: 'string' } }, required: ['task'] },
        execute: async (args, context) => {
          depths.push(context.depth);
          const child = await agent({ parent: context, prompt: args.task, tools: childTools, stop: hasToolCall('submit') });
          return child.steps.at(-1)!.toolCalls[0]!.outcome;
        },
      }),
    };
    const result = await agent({ model, prompt: 'delegate the sum', tools: parentTools });
    expect(model.calls.map((call) => call.tools?.map((spec) => spec.name))).toEqual([['delegate'], ['add', 'submit'], ['add', 'submit'], ['delegate']]);
    expect(seen(model.calls, 1)).toEqual([{ role: 'user', content: 'add 2 and 3' }]);
    expect(seen(model.calls, 3).at(-1)).toEqual({ role: 'tool', content: '{"ok":true,"value":5}', toolCallId: 'd' });
    expect(depths).toEqual([0]);
    expect(result.text).toBe('The answer is 5');
    expect(result.usage).toEqual({ calls: 4, promptTokens: 220, completionTokens: 4, costUsd: 0, toolCalls: 3 });
    expect(result.steps[0]!.usage).toMatchObject({ calls: 3, promptTokens: 120, toolCalls: 3 });
  });

  it('abort during a tool rejects the run with an AbortError and aborts the sub-agent it started', async () => {
    const controller = new AbortController();
    let childSignal: AbortSignal | undefined;
    const model = createScriptedModel({
      script: [
        { toolCalls: [toolCall('delegate', {}, 'd')] },
        async (request) => {
          childSignal = request.signal;
          controller.abort();
          return new Promise((_, reject) => request.signal!.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
        },
      ],
    });
    const tools: ToolSet = { delegate: tool({ parameters: nothing, execute: (_, context) => agent({ parent: context, prompt: 'sub-task' }) }) };
    const error = await agent({ model, prompt: 'go', tools, signal: controller.signal }).catch((caught: unknown) => caught);
    expect(isAbortError(error)).toBe(true);
    expect(childSignal?.aborted).toBe(true);
  });

  it('nest deeply without piling abort listeners onto one signal, and leave none behind', async () => {
    const controller = new AbortController();
    let deepest = 0;
    const model = createScriptedModel({ script: [(request) => response({ text: '', toolCalls: [toolCall('down', {})], usage: { promptTokens: request.messages.length, completionTokens: 0 } })], whenExhausted: 'repeat-last' });
    const down: ToolSet = {
      down: tool({
        parameters: nothing,
        execute: async (_, context) => {
          if (context.depth === 12) {
            deepest = getEventListeners(controller.signal, 'abort').length;
            return 'bottom';
          }
          return (await agent({ parent: context, prompt: 'deeper', tools: down, stop: stepCountIs(1) })).steps.length;
        },
      }),
    };
    await agent({ model, prompt: 'go', tools: down, stop: stepCountIs(1), signal: controller.signal });
    expect(deepest).toBe(1);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('abort during a tool that ignores its signal still rejects at once', async () => {
    const controller = new AbortController();
    const tools: ToolSet = {
      slow: tool({
        parameters: nothing,
        execute: () => {
          controller.abort();
          return new Promise(() => undefined);
        },
      }),
    };
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('slow', {})] }] });
    const error = await agent({ model, prompt: 'go', tools, signal: controller.signal }).catch((caught: unknown) => caught);
    expect(isAbortError(error)).toBe(true);
  });
});

describe('voted turns', () => {
  it('take the turn that leads by k among disagreeing samples, and run its tools once', async () => {
    const { ran, tools } = recorder();
    // Turn 0: samples say 3, 4, 3, 3 (k = 2: decided at the fourth, 3 leads 3 to 1). Turn 1: submit twice.
    const model = createScriptedModel({
      script: [
        { toolCalls: [toolCall('double', { value: 3 })] },
        { toolCalls: [toolCall('double', { value: 4 })] },
        { toolCalls: [toolCall('double', { value: 3 })] },
        { toolCalls: [toolCall('double', { value: 3 })] },
        { toolCalls: [toolCall('submit', { value: 6 })] },
        { toolCalls: [toolCall('submit', { value: 6 })] },
      ],
    });
    const result = await agent({ model, prompt: 'go', tools, stop: hasToolCall('submit'), vote: { k: 2 } });
    expect(ran).toEqual([
      ['double', { value: 3 }],
      ['submit', { value: 6 }],
    ]);
    expect(result.steps[0]!.vote).toEqual({
      samples: 4,
      votes: 4,
      tally: { 'calls:double {"value":3}': 3, 'calls:double {"value":4}': 1 },
      redFlags: {},
      key: 'calls:double {"value":3}',
    });
    expect(result.usage.calls).toBe(6);
    expect(result.usage.toolCalls).toBe(2);
  });

  it('red-flag malformed calls (unknown tool, arguments that are not JSON or fail the schema) and never run them', async () => {
    const { ran, tools } = recorder();
    const model = createScriptedModel({
      script: [
        { toolCalls: [toolCall('triple', { value: 3 })] },
        { toolCalls: [toolCall('double', '{"value": 3')] },
        { toolCalls: [toolCall('double', { value: 3.5 })] },
        { toolCalls: [toolCall('double', { value: 3 })] },
        { toolCalls: [toolCall('double', { value: 3 })] },
        'done',
        'done',
      ],
    });
    const result = await agent({ model, prompt: 'go', tools, vote: { k: 2 } });
    expect(ran).toEqual([['double', { value: 3 }]]);
    expect(result.steps[0]!.vote).toMatchObject({ samples: 5, votes: 2, redFlags: { 'unknown-tool': 1, 'invalid-arguments': 2 } });
    expect(result.stopReason.kind).toBe('done');
  });

  it('count parallel calls made in another order, or with keys in another order, as the same vote', async () => {
    const { ran, tools } = recorder();
    const model = createScriptedModel({
      script: [
        { toolCalls: [toolCall('double', { value: 1 }), toolCall('submit', { value: 2 })] },
        { toolCalls: [toolCall('submit', '{ "value" : 2 }'), toolCall('double', { value: 1 })] },
      ],
    });
    const result = await agent({ model, prompt: 'go', tools, stop: hasToolCall('submit'), vote: { k: 2 } });
    expect(result.steps[0]!.vote!.samples).toBe(2);
    expect(ran.map(([name]) => name)).toEqual(['double', 'submit']);
  });

  it('stop with a cap when a turn stays undecided at the sample cap', async () => {
    const { ran, tools } = recorder();
    const alternate = createScriptedModel({ script: Array.from({ length: 6 }, (_, n) => ({ toolCalls: [toolCall('double', { value: n % 2 })] })) });
    const result = await agent({ model: alternate, prompt: 'go', tools, vote: { k: 2, maxSamples: 6 } });
    expect(result.stopReason).toMatchObject({ kind: 'cap', condition: 'vote-undecided' });
    expect(result.usage.calls).toBe(6);
    expect(ran).toEqual([]);
  });

  it('red-flag a final answer that fails the output schema', async () => {
    const model = createScriptedModel({ script: ['{"total": "x"}', '{"total": 4}', '{ "total": 4 }'] });
    const result = await agent({
      model,
      prompt: 'go',
      stop: outputMatches({ type: 'object', properties: { total: { type: 'integer' } }, required: ['total'] }),
      vote: { k: 2 },
    });
    expect(result.output).toEqual({ total: 4 });
    expect(result.steps[0]!.vote).toMatchObject({ samples: 3, redFlags: { 'invalid-output': 1 } });
    expect(result.stopReason).toMatchObject({ kind: 'done', condition: 'output' });
  });

  it('red-flag truncated samples', async () => {
    const { tools } = recorder();
    const model = createScriptedModel({
      script: [
        { toolCalls: [toolCall('double', { value: 1 })], finishReason: 'length' },
        { toolCalls: [toolCall('double', { value: 1 })] },
        { toolCalls: [toolCall('double', { value: 1 })] },
        'done',
        'done',
      ],
    });
    const result = await agent({ model, prompt: 'go', tools, vote: { k: 2 }, stop: stepCountIs(1) });
    expect(result.steps[0]!.vote!.redFlags).toEqual({ truncated: 1 });
  });
});

describe('the scripted model with tools', () => {
  it('defaults a response with tool calls to finish reason tool_calls', () => {
    expect(response({ text: '', toolCalls: [toolCall('x', {})] }).finishReason).toBe('tool_calls');
    expect(response({ text: 'hi' }).finishReason).toBe('stop');
  });
});
