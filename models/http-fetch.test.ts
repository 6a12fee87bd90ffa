import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch, TruncatedBodyError } from './http-fetch.ts';

let server: Server;
let base: string;
const connections = new Set<Socket>();
const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body });
      if (request.url === '/empty') return void response.writeHead(204).end();
      if (request.url === '/slow') return void setTimeout(() => response.end('late'), 5_000);
      if (request.url === '/cut') {
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        response.write('{"partial":');
        return void setTimeout(() => request.socket.destroy(), 20);
      }
      response.writeHead(429, [['content-type', 'application/json'], ['retry-after', '2'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
      response.end(JSON.stringify({ echo: body }));
    });
  });
  server.on('connection', (socket: Socket) => connections.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('createHttpFetch', () => {
  it('sends the method, headers and body, and hands back status, every header and the body', async () => {
    const fetch = createHttpFetch();
    const response = await fetch(`${base}/v1/chat/completions?x=1`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"é":1}' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('2');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ echo: '{"é":1}' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/chat/completions?x=1', body: '{"é":1}', headers: { authorization: 'Bearer k', 'content-length': '8' } });
  });

  it('keeps one connection open across calls one after another', async () => {
    const fetch = createHttpFetch();
    const before = connections.size;
    for (let i = 0; i < 5; i++) await (await fetch(`${base}/again`, { method: 'POST', body: String(i) })).text();
    expect(connections.size - before).toBe(1);
  });

  it('gives a bodiless status an empty body rather than failing', async () => {
    const response = await createHttpFetch()(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });

  it('rejects with an AbortError when the signal aborts mid-request, as fetch does', async () => {
    const controller = new AbortController();
    const pending = createHttpFetch()(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects with TruncatedBodyError when the connection closes before the body ends', async () => {
    await expect(createHttpFetch()(`${base}/cut`)).rejects.toBeInstanceOf(TruncatedBodyError);
  });

  it('rejects with the connection\'s own error when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(createHttpFetch()(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
