import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { agent } from '../agent/agent.ts';
import { hasToolCall } from '../agent/stop-conditions.ts';
import { toolSpecsOf } from '../agent/tool.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { createOpenAIModel } from '../models/openai-model.ts';
import { createSimModel } from '../models/sim-model.ts';
import { countMessageTokens } from '../models/tokens.ts';
import { arithmeticPrompt, arithmeticTools, arithmeticToolsSim } from './arithmetic-tools.ts';
import { startChatServer, type ChatCompletionBody, type RunningChatServer } from './chat-server.ts';
import { createFaultInjector, type InjectableFault } from './fault-injection.ts';

let server: RunningChatServer;
let injector = createFaultInjector();
const bodies: ChatCompletionBody[] = [];
const perfect = { errorRate: 0, malformedRate: 0, longWhenRight: 0 };

beforeAll(async () => {
  server = await startChatServer({
    model: createSimModel({ behaviour: arithmeticToolsSim, seed: 1, parameters: perfect }),
    intercept: (req, res, body) => {
      bodies.push(body);
      return injector.intercept(req, res, body);
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  bodies.length = 0;
  injector = createFaultInjector();
});

const client = () => createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: server.url, apiKey: 'test' });

describe('the chat-completions server with tools', () => {
  it('answers in the tool format: tool_calls, content null, finish_reason tool_calls', async () => {
    const tools = toolSpecsOf(arithmeticTools()).map((spec) => ({ type: 'function', function: spec }));
    const reply = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: arithmeticPrompt(2, 3, 4) }], tools, temperature: 0 }),
    });
    const completion = (await reply.json()) as { choices: Array<{ message: Record<string, unknown>; finish_reason: string }>; usage: { prompt_tokens: number } };
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]!.message).toEqual({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } }],
    });
    expect(completion.usage.prompt_tokens).toBe(countMessageTokens([{ role: 'user', content: arithmeticPrompt(2, 3, 4) }], toolSpecsOf(arithmeticTools())));
  });

  it('runs an agent through the openai backend to the right answer, reading tool_calls and tool messages both ways', async () => {
    const submitted: number[] = [];
    const result = await agent({ model: client(), prompt: arithmeticPrompt(7, 5, 3), tools: arithmeticTools(submitted), stop: hasToolCall('submit') });
    expect(submitted).toEqual([36]);
    expect(bodies).toHaveLength(3);
    const last = bodies[2]!.messages!;
    expect(last.at(-2)).toMatchObject({ role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'mul', arguments: '{"a":12,"b":3}' } }] });
    expect(last.at(-1)).toEqual({ role: 'tool', content: '36', tool_call_id: (last.at(-2)!.tool_calls![0]!.id) });
    expect(result.usage.promptTokens).toBeGreaterThan(0);
  });

  it('passes tool_choice and parallel_tool_calls through to the model', async () => {
    const model = client();
    const tools = toolSpecsOf(arithmeticTools());
    const messages = [{ role: 'user' as const, content: arithmeticPrompt(1, 1, 1) }];
    const forced = await model.generate({ messages, tools, toolChoice: 'none', parallelToolCalls: false, temperature: 0, maxOutputTokens: 100 });
    expect(bodies[0]).toMatchObject({ tool_choice: 'none', parallel_tool_calls: false });
    expect(forced.toolCalls).toBeUndefined();
    await model.generate({ messages, tools, toolChoice: { name: 'add' }, temperature: 0, maxOutputTokens: 100 });
    expect(bodies[1]!.tool_choice).toEqual({ type: 'function', function: { name: 'add' } });
  });

  it('injects faults into tool requests: transport faults are retried, a cut tool call is red-flagged, and the voted run still submits once', async () => {
    injector = createFaultInjector({ script: ['rate-limit', 'length', 'server-error'] satisfies InjectableFault[], retryAfterMs: 1 });
    const submitted: number[] = [];
    const dispatcher = createDispatcher({ model: client(), concurrency: 2, retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    const result = await agent({ dispatcher, prompt: arithmeticPrompt(2, 3, 4), tools: arithmeticTools(submitted), stop: hasToolCall('submit'), vote: { k: 2 } });
    expect(submitted).toEqual([20]);
    expect(injector.stats.injected).toMatchObject({ 'rate-limit': 1, length: 1, 'server-error': 1 });
    expect(dispatcher.stats.faults).toEqual({ 'rate-limit': 1, 'server-error': 1 });
    expect(result.steps[0]!.vote!.redFlags).toEqual({ truncated: 1 });
  });

  it('answers a cut tool call, unvoted, with an error the model can recover from', async () => {
    injector = createFaultInjector({ script: ['length'] });
    const submitted: number[] = [];
    const result = await agent({ model: client(), prompt: arithmeticPrompt(2, 3, 4), tools: arithmeticTools(submitted), stop: hasToolCall('submit') });
    expect(result.steps[0]!.toolCalls[0]).toMatchObject({ status: 'invalid-arguments', content: expect.stringMatching(/^Error: Invalid arguments for `add`: not valid JSON/) });
    expect(submitted).toEqual([20]);
    expect(result.steps).toHaveLength(4);
  });
});
