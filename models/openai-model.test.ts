import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { startChatServer, type RunningChatServer } from '../testing/chat-server.ts';
import { ModelCallError } from '../core/errors.ts';
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

  it('reports a response cut at the output cap as finish reason length', async () => {
    const model = createOpenAIModel({ model: 'm', baseURL: server.url, apiKey: 'test' });
    const messages = task.prompt(task.initialState(), 0);
    const response = await model.generate({ messages, temperature: 0, maxOutputTokens: 5 });
    expect(response.finishReason).toBe('length');
    expect(response.usage.completionTokens).toBe(5);
  });
});

describe('what a wrong URL or a dead endpoint looks like', () => {
  const page = `<!DOCTYPE html>\n<html><head><title>501 Not Implemented</title></head><body><h1>Not Implemented</h1><p>${'filler '.repeat(500)}</p></body></html>`;
  let html: import('node:http').Server;
  let status = 200;
  let htmlURL = '';
  beforeAll(async () => {
    const { createServer } = await import('node:http');
    html = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(page);
    });
    await new Promise<void>((resolve) => html.listen(0, '127.0.0.1', resolve));
    htmlURL = `http://127.0.0.1:${(html.address() as import('node:net').AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => html.close(() => resolve())));
  const ask = (baseURL: string) =>
    createOpenAIModel({ model: 'm', baseURL, apiKey: 'test' })
      .generate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxOutputTokens: 10 })
      .then(
        () => new Error('it answered'),
        (e: unknown) => e as Error,
      );

  it('refuses a 200 whose body is an HTML page, saying so, instead of retrying it as empty choices', async () => {
    status = 200;
    const error = await ask(htmlURL);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error.message).toMatch(/HTTP 200: the answer is a text\/html page \("501 Not Implemented"\), not a chat completion/);
  });

  it('never retries a 501, and names the page by its title instead of pasting it', async () => {
    status = 501;
    const error = await ask(htmlURL);
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error.message).toMatch(/HTTP 501: .*"501 Not Implemented"/);
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).not.toContain('filler');
  });

  it('names the cause of a failed connection, not just "fetch failed"', async () => {
    const { createServer } = await import('node:net');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as import('node:net').AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await ask(`http://127.0.0.1:${port}/v1`);
    expect(error.message).toMatch(new RegExp(`connection: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
  });
});
