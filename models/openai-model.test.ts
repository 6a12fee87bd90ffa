import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer, type RunningChatServer } from '../testing/chat-server.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelCallError, TransientModelError } from '../core/errors.ts';
import { createOpenAIModel } from './openai-model.ts';
import { runTask } from '../run/run-task.ts';
import { createSimModel } from './sim-model.ts';

const task = createHanoiTask({ disks: 5 });
let server: RunningChatServer;
let sim: ReturnType<typeof createSimModel>;

beforeAll(async () => {
  sim = createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 3 });
  server = await startChatServer({
    model: sim,
    intercept: (req, res) => {
      if (req.headers.authorization === 'Bearer sk-wrong-key-123456') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'Incorrect API key provided: sk-wrong-key-123456', type: 'invalid_request_error' } }));
        return true;
      }
      return false;
    },
  });
});
afterAll(() => server.close());

describe('OpenAI-compatible backend over HTTP', () => {
  it('solves 5-disk Hanoi against a simulated chat-completions server on 127.0.0.1', async () => {
    const model = createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: server.url, apiKey: 'test' });
    const result = await runTask({ task, model, k: 2, seed: 4 });
    expect(result.solved).toBe(true);
    expect(result.totals.errors).toBe(0);
    expect(result.totals.promptTokens).toBeGreaterThan(0);
    expect(result.totals.completionTokens).toBeGreaterThan(0);
  });

  it('gives the same votes over HTTP as in process, since the per-sample seed travels in the request', async () => {
    const model = createOpenAIModel({ model: 'anything', baseURL: server.url, apiKey: 'test' });
    const overHttp = await runTask({ task, model, k: 2, seed: 9, maxSteps: 10 });
    const inProcess = await runTask({ task, model: sim, k: 2, seed: 9, maxSteps: 10 });
    // Same usage and votes; only the price differs (the name `anything` has no known price).
    expect({ ...overHttp.totals, costUsd: 0 }).toEqual({ ...inProcess.totals, costUsd: 0 });
    expect(overHttp.totals.costUsd).toBe(0);
  });

  it('turns a 401 into a ModelCallError naming the endpoint and not the key', async () => {
    const model = createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: server.url, apiKey: 'sk-wrong-key-123456' });
    const error = await model.generate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxOutputTokens: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).status).toBe(401);
    expect((error as Error).message).toContain('127.0.0.1');
    expect((error as Error).message).not.toContain('wrong-key-123456');
  });

  it('reuses one keep-alive connection for calls one after another', async () => {
    let connections = 0;
    const count = () => connections++;
    server.server.on('connection', count);
    try {
      const model = createOpenAIModel({ model: 'm', baseURL: server.url, apiKey: 'test' });
      const messages = task.prompt(task.initialState(), 0);
      for (let seed = 0; seed < 5; seed++) await model.generate({ messages, temperature: 0.1, maxOutputTokens: 750, seed });
      expect(connections).toBe(1);
    } finally {
      server.server.off('connection', count);
    }
  });

  it('gives up on a server that never answers after its timeout, as a timeout fault', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const model = createOpenAIModel({ model: 'm', baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'test', timeoutMs: 50 });
      const error = await model.generate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxOutputTokens: 10 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientModelError);
      expect((error as TransientModelError).fault).toBe('timeout');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('reports a refused connection as a connection fault', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const model = createOpenAIModel({ model: 'm', baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-secret-key-999' });
    const error = await model.generate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxOutputTokens: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientModelError);
    expect((error as TransientModelError).fault).toBe('connection');
    expect((error as Error).message).not.toContain('secret-key');
  });

  it('reports a response cut at the output cap as finish reason length', async () => {
    const model = createOpenAIModel({ model: 'm', baseURL: server.url, apiKey: 'test' });
    const messages = task.prompt(task.initialState(), 0);
    const response = await model.generate({ messages, temperature: 0, maxOutputTokens: 5 });
    expect(response.finishReason).toBe('length');
    expect(response.usage.completionTokens).toBe(5);
  });
});
