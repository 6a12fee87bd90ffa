/**
 * `agent()` against an independent OpenAI-compatible server written here (not `testing/chat-server.ts`): it
 * scripts tool calls by the conversation's position (add, then mul of add's result, then submit) and records
 * every request body, so what the backend sends and what the loop does with the answers are both checked on
 * the wire.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIModel } from '../models/openai-model.ts';
import { agent } from './agent.ts';
import { mapToolResult, type ToolExecution } from './middleware.ts';
import { hasToolCall } from './stop-conditions.ts';
import { tool } from './tool.ts';

interface WireMessage {
  role: string;
  content: string | null;
  tool_calls?: Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}
interface WireBody {
  messages: WireMessage[];
  tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
  tool_choice?: unknown;
  temperature?: number;
  seed?: number;
}

let server: Server;
let url: string;
const bodies: WireBody[] = [];

/** The scripted turn for a conversation: which call comes next depends only on how many assistant turns it holds. */
function scripted(body: WireBody): { name: string; args: Record<string, unknown> } {
  const turn = body.messages.filter((message) => message.role === 'assistant').length;
  const last = body.messages.at(-1)!;
  const previous = turn === 0 ? undefined : (JSON.parse(last.content ?? 'null') as { result: number }).result;
  if (turn === 0) return { name: 'add', args: { a: 2, b: 3 } };
  if (turn === 1) return { name: 'mul', args: { a: previous, b: 4 } };
  return { name: 'submit', args: { value: previous } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WireBody;
      bodies.push(body);
      const { name, args } = scripted(body);
      const completion = {
        id: `chatcmpl-${bodies.length}`,
        object: 'chat.completion',
        created: 0,
        model: 'scripted',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: null, tool_calls: [{ id: `call_${bodies.length}`, type: 'function', function: { name, arguments: JSON.stringify(args) } }] },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
      };
      const text = JSON.stringify(completion);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  bodies.length = 0;
});

const number = { type: 'number' } as const;
const pair = { type: 'object', properties: { a: number, b: number }, required: ['a', 'b'], additionalProperties: false } as const;

function arithmetic(ran: Array<[string, unknown]>) {
  return {
    add: tool<{ a: number; b: number }>({ description: 'a + b', parameters: pair, execute: (args) => (ran.push(['add', args]), args.a + args.b) }),
    mul: tool<{ a: number; b: number }>({ description: 'a * b', parameters: pair, execute: (args) => (ran.push(['mul', args]), args.a * args.b) }),
    submit: tool<{ value: number }>({
      description: 'the final answer',
      parameters: { type: 'object', properties: { value: number }, required: ['value'] },
      execute: (args) => (ran.push(['submit', args]), 'accepted'),
    }),
  };
}

describe('agent() over HTTP against a server that scripts tool calls', () => {
  it('runs add, mul and submit in order with parsed arguments, and stops at submit after exactly three requests', async () => {
    const ran: Array<[string, unknown]> = [];
    const model = createOpenAIModel({ model: 'scripted', baseURL: url, apiKey: 'test' });
    const result = await agent({ model, prompt: 'Compute (2 + 3) * 4.', tools: arithmetic(ran), stop: hasToolCall('submit'), middleware: [mapToolResult((value) => ({ result: value }))] });
    expect(ran).toEqual([
      ['add', { a: 2, b: 3 }],
      ['mul', { a: 5, b: 4 }],
      ['submit', { value: 20 }],
    ]);
    expect(bodies).toHaveLength(3);
    expect(result.stopReason).toEqual({ kind: 'done', condition: 'tool-call', message: '`submit` ran' });
    expect(result.steps).toHaveLength(3);
    expect(result.usage).toMatchObject({ calls: 3, promptTokens: 150, completionTokens: 30, toolCalls: 3 });
  });

  it('sends the tools as functions with their schemas, and tool_choice when asked', async () => {
    const model = createOpenAIModel({ model: 'scripted', baseURL: url, apiKey: 'test' });
    await agent({ model, prompt: 'Compute (2 + 3) * 4.', tools: arithmetic([]), stop: hasToolCall('submit'), toolChoice: 'required', middleware: [mapToolResult((value) => ({ result: value }))] });
    expect(bodies[0]!.tools!.map((spec) => [spec.type, spec.function.name])).toEqual([
      ['function', 'add'],
      ['function', 'mul'],
      ['function', 'submit'],
    ]);
    expect(bodies[0]!.tools![0]!.function.parameters).toEqual(pair);
    expect(bodies.every((body) => body.tool_choice === 'required')).toBe(true);
  });

  it('lets a middleware see every execution, and the server receives its transformed result under the right tool_call_id', async () => {
    const seen: Array<{ name: string; id: string; args: unknown }> = [];
    const model = createOpenAIModel({ model: 'scripted', baseURL: url, apiKey: 'test' });
    const observe = async (execution: ToolExecution, next: () => Promise<import('./step.ts').ToolOutcome>) => {
      seen.push({ name: execution.call.name, id: execution.call.id, args: execution.args });
      return next();
    };
    await agent({ model, prompt: 'Compute (2 + 3) * 4.', tools: arithmetic([]), stop: hasToolCall('submit'), middleware: [observe, mapToolResult((value) => ({ result: value }))] });
    expect(seen.map((entry) => entry.name)).toEqual(['add', 'mul', 'submit']);
    // Request n+1 carries request n's call (same id) and, answering it, the transformed result.
    for (const n of [1, 2]) {
      const messages = bodies[n]!.messages;
      const assistant = messages.at(-2)!;
      const answer = messages.at(-1)!;
      expect(assistant.role).toBe('assistant');
      expect(assistant.content).toBeNull();
      expect(assistant.tool_calls![0]!.id).toBe(`call_${n}`);
      expect(answer).toEqual({ role: 'tool', content: JSON.stringify({ result: n === 1 ? 5 : 20 }), tool_call_id: `call_${n}` });
      expect(seen[n - 1]!.id).toBe(`call_${n}`);
    }
  });

  it('with vote k = 2 samples each turn twice and runs each tool once', async () => {
    const ran: Array<[string, unknown]> = [];
    const model = createOpenAIModel({ model: 'scripted', baseURL: url, apiKey: 'test' });
    const result = await agent({
      model,
      prompt: 'Compute (2 + 3) * 4.',
      tools: arithmetic(ran),
      stop: hasToolCall('submit'),
      vote: { k: 2 },
      middleware: [mapToolResult((value) => ({ result: value }))],
    });
    expect(bodies).toHaveLength(6);
    expect(ran.map(([name]) => name)).toEqual(['add', 'mul', 'submit']);
    expect(result.steps.map((step) => step.vote?.samples)).toEqual([2, 2, 2]);
    expect(result.steps[0]!.vote!.key).toBe('calls:add {"a":2,"b":3}');
    // Each turn's two samples carry different seeds, and the conversation they see is the same.
    expect(bodies[0]!.seed).not.toBe(bodies[1]!.seed);
    expect(bodies[0]!.messages).toEqual(bodies[1]!.messages);
    expect(result.stopReason.kind).toBe('done');
  });
});
