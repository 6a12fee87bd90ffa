/**
 * The HTTP transport of the OpenAI-compatible backend: one `POST {baseURL}/chat/completions` per call over
 * node:http(s) with a keep-alive agent, the body written in one piece and the answer read as one buffer and parsed
 * once. A run makes millions of these calls; the general-purpose client it replaces (the `openai` package over
 * `fetch`: header objects, web streams, a Response per call) cost about five times the CPU per call, which a
 * voting round pays in wall time. What went wrong is reported as a {@link ChatTransportError} of one `kind`; the
 * backend turns kinds into the dispatcher's faults.
 */
import http from 'node:http';
import https from 'node:https';
import { abortError } from '../core/errors.ts';

/** Options of {@link ChatTransport}. */
export interface ChatTransportOptions {
  /** Base URL of the API, e.g. `http://127.0.0.1:8000/v1`. */
  readonly baseURL: string;
  /** Sent as `Authorization: Bearer KEY`. */
  readonly apiKey: string;
  /** Per-request timeout, in milliseconds, from sending to the last byte of the answer. */
  readonly timeoutMs: number;
}

/** How a call failed, before it is judged. */
export type ChatTransportFailure =
  /** The server answered with a status outside 2xx; `body` is its text. */
  | 'status'
  /** No answer: refused, reset or dropped before a status line. */
  | 'connection'
  /** No answer within the timeout. */
  | 'timeout'
  /** The connection closed before the body ended. */
  | 'truncated'
  /** A 2xx whose body is not JSON. */
  | 'invalid-json';

/** A failed call, by kind, with what the server said when it said anything. */
export class ChatTransportError extends Error {
  override readonly name = 'ChatTransportError';
  readonly kind: ChatTransportFailure;
  readonly status: number | undefined;
  readonly headers: http.IncomingHttpHeaders | undefined;
  readonly body: string | undefined;

  constructor(kind: ChatTransportFailure, message: string, details: { status?: number; headers?: http.IncomingHttpHeaders; body?: string; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.kind = kind;
    this.status = details.status;
    this.headers = details.headers;
    this.body = details.body;
  }
}

/** A chat-completions endpoint over one keep-alive connection pool. */
export class ChatTransport {
  readonly #request: typeof http.request;
  readonly #agent: http.Agent;
  readonly #target: { readonly protocol: string; readonly hostname: string; readonly port: string; readonly path: string };
  readonly #authorization: string;
  readonly #timeoutMs: number;

  constructor(options: ChatTransportOptions) {
    const url = new URL(options.baseURL);
    const secure = url.protocol === 'https:';
    this.#request = secure ? https.request : http.request;
    // Connections stay open between calls: a voting round's calls go out on warm sockets, no handshake each.
    this.#agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.#target = { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, path: `${url.pathname.replace(/\/+$/, '')}/chat/completions${url.search}` };
    this.#authorization = `Bearer ${options.apiKey}`;
    this.#timeoutMs = options.timeoutMs;
  }

  /** Sends one request body and resolves with the parsed JSON answer; rejects with a ChatTransportError or an abort. */
  complete(body: unknown, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted === true) return Promise.reject(abortError());
    const payload = JSON.stringify(body);
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (error: Error | undefined, value?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(value);
        else reject(error);
      };
      const onAbort = () => {
        finish(abortError());
        request.destroy();
      };
      const request = this.#request(
        {
          protocol: this.#target.protocol,
          hostname: this.#target.hostname,
          port: this.#target.port,
          path: this.#target.path,
          method: 'POST',
          agent: this.#agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            accept: 'application/json',
            authorization: this.#authorization,
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let ended = false;
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            ended = true;
            if (!response.complete) {
              finish(new ChatTransportError('truncated', 'the connection closed before the body ended'));
              return;
            }
            const text = Buffer.concat(chunks).toString('utf8');
            const status = response.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              finish(new ChatTransportError('status', `HTTP ${status}`, { status, headers: response.headers, body: text }));
              return;
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch (error) {
              finish(new ChatTransportError('invalid-json', 'the response body is not valid JSON', { status, cause: error }));
              return;
            }
            finish(undefined, parsed);
          });
          // Reset or closed mid-body: the answer never ended.
          response.on('error', (error) => finish(new ChatTransportError('truncated', 'the connection closed before the body ended', { cause: error })));
          response.on('close', () => {
            if (!ended) finish(new ChatTransportError('truncated', 'the connection closed before the body ended'));
          });
        },
      );
      request.on('error', (error) => finish(new ChatTransportError('connection', error.message, { cause: error })));
      timer = setTimeout(() => {
        finish(new ChatTransportError('timeout', 'the request timed out'));
        request.destroy();
      }, this.#timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      request.end(payload);
    });
  }

  /** Closes the pool's idle connections (open ones close when their calls end). */
  close(): void {
    this.#agent.destroy();
  }
}
