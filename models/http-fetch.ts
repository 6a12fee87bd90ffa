/**
 * The `fetch` the openai client is given: each request over Node's own http/https client on keep-alive
 * connections, the body read whole before the response is handed back. The client keeps everything else (its
 * request building, errors, types); only the transport underneath changes.
 *
 * Why: Node's global fetch (undici) runs every call through WHATWG streams, a transferable AbortSignal and a
 * Request object; at voting's call rates that was most of the client's CPU per call, and the client's CPU is most
 * of what a round costs beyond the server's latency (`npx tsx bench/latency.ts`, results/latency.md). Measured side
 * by side against the same server, this transport halves the client's CPU per call.
 *
 * A chat completion is one JSON body each way, so the response is buffered; anything this transport was not made
 * for (a streamed or form request body, a `Request` object) goes to the global fetch unchanged.
 */
import http from 'node:http';
import https from 'node:https';

/** The connection closed after the response's headers and before the end of its body. */
export class TruncatedBodyError extends Error {
  constructor() {
    super('the connection closed before the body ended');
    this.name = 'TruncatedBodyError';
  }
}

/** Statuses whose response has no body (`new Response` refuses one). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

type Body = string | Uint8Array | undefined | null;

function isSimpleBody(body: unknown): body is Body {
  return body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
}

/** A `fetch` over keep-alive node:http and node:https connections, for the openai client. */
export function createHttpFetch(): typeof fetch {
  // Node's agents unref idle sockets, so a kept connection never holds the process open.
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

  return function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    if (input instanceof Request || !isSimpleBody(init.body)) return globalThis.fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const protocol = url.protocol as keyof typeof agents;
    if (agents[protocol] === undefined) return globalThis.fetch(input, init);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const body = init.body ?? undefined;
    if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    const request = protocol === 'https:' ? https.request : http.request;

    return new Promise<Response>((resolve, reject) => {
      const signal = init.signal ?? undefined;
      const outgoing = request(url, { method: init.method ?? 'GET', headers, agent: agents[protocol], ...(signal === undefined ? {} : { signal }) }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', () => undefined);
        incoming.on('close', () => {
          // An abort destroys the response too: the request's own error (an AbortError) tells the client why.
          if (signal?.aborted === true) return reject(signal.reason instanceof Error && signal.reason.name === 'AbortError' ? signal.reason : abortError());
          if (!incoming.complete) return reject(new TruncatedBodyError());
          const responseHeaders = new Headers();
          const raw = incoming.rawHeaders;
          for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
          const status = incoming.statusCode ?? 0;
          try {
            resolve(new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }));
          } catch (error) {
            // A status fetch cannot represent (below 200 or above 599).
            reject(error);
          }
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}

function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}
