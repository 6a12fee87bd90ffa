/**
 * Injected faults for the simulated chat-completions server: every way an HTTP API fails, on demand. It plugs
 * into `startChatServer`'s `intercept` hook, draws from its own seeded stream, and counts what it injected by
 * kind, so a test (or a user testing a pipeline) can check that the client saw exactly those faults.
 *
 * Kinds, and the fault the dispatcher reports for each ({@link CLIENT_FAULT}; `length` is no fault of the call but a
 * red flag, counted by the sampler as `truncated`):
 * - `rate-limit`: 429 with `retry-after-ms` and `retry-after`
 * - `server-error`: 500, 502, 503 or 504
 * - `request-timeout`: 408; `conflict`: 409
 * - `drop`: the connection is closed without a response (client: `connection`)
 * - `truncated`: a 200 whose body stops halfway and the connection closes
 * - `invalid-json`: a 200 whose JSON body does not parse
 * - `empty-choices`: a 200 completion with `choices: []`
 * - `length`: a 200 completion cut at the output cap (`finish_reason: "length"`), which the sampler red-flags;
 *   when the request offers tools, the cut falls inside a call to its first tool (arguments that do not parse)
 * - `hang`: no response at all until the client gives up (client: `timeout`); dropped after `hangMs` regardless
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { messagesOfBody, toolsOfBody, type ChatCompletionBody } from './chat-server.ts';
import type { FaultKind } from '../dispatch/dispatcher.ts';
import { InputError } from '../core/errors.ts';
import { randomStream } from '../core/rng.ts';
import { countMessageTokens } from '../models/tokens.ts';

/** Every fault the server can inject. */
export const INJECTABLE_FAULTS = [
  'rate-limit',
  'server-error',
  'request-timeout',
  'conflict',
  'drop',
  'truncated',
  'invalid-json',
  'empty-choices',
  'length',
  'hang',
] as const;

/** A fault the server can inject. */
export type InjectableFault = (typeof INJECTABLE_FAULTS)[number];

/** The fault a client's dispatcher counts for each injected kind (`length` reaches the sampler as a `truncated` red flag). */
export const CLIENT_FAULT: Readonly<Record<Exclude<InjectableFault, 'length'>, FaultKind>> = {
  'rate-limit': 'rate-limit',
  'server-error': 'server-error',
  'request-timeout': 'request-timeout',
  conflict: 'conflict',
  drop: 'connection',
  truncated: 'truncated',
  'invalid-json': 'invalid-json',
  'empty-choices': 'empty-choices',
  hang: 'timeout',
};

/** Options of {@link createFaultInjector}. */
export interface FaultInjectorOptions {
  /** Probability that a request gets a fault. @default 0 */
  readonly rate?: number;
  /** Kinds to inject: a list (equal weights) or relative weights by kind. @default every kind, equal weights */
  readonly kinds?: readonly InjectableFault[] | Partial<Record<InjectableFault, number>>;
  /** Seed of the injector's random stream. @default 0 */
  readonly seed?: number;
  /** Faults for the first requests in order (`undefined`: none), before random injection starts. @default none */
  readonly script?: readonly (InjectableFault | undefined)[];
  /** Wait an injected 429 asks for, in milliseconds (`retry-after-ms`; `retry-after` in whole seconds, rounded up). @default 100 */
  readonly retryAfterMs?: number;
  /**
   * How long a hanging connection is held before the server drops it, in milliseconds: longer than any client
   * timeout worth testing, so the client sees a timeout, yet bounded so the server never leaks sockets. @default 600000
   */
  readonly hangMs?: number;
}

/** What the injector did. */
export interface FaultInjectionStats {
  /** Completion requests seen. */
  requests: number;
  /** Faults injected, by kind (every kind present, zero when never injected). */
  injected: Record<InjectableFault, number>;
  /** Sum of `injected`. */
  total: number;
}

/** A fault injector: the hook for the server, and its counts. */
export interface FaultInjector {
  readonly intercept: (req: IncomingMessage, res: ServerResponse, body: ChatCompletionBody) => boolean;
  readonly stats: FaultInjectionStats;
}

/** Parses `rate-limit=2,hang=1` or `rate-limit,hang` into weights; an `InputError` quotes a bad value. */
export function parseFaultKinds(text: string): Partial<Record<InjectableFault, number>> {
  const weights: Partial<Record<InjectableFault, number>> = {};
  for (const part of text.split(',')) {
    const [name = '', weight, ...rest] = part.trim().split('=');
    const value = weight === undefined ? 1 : Number(weight);
    if (rest.length > 0 || !(INJECTABLE_FAULTS as readonly string[]).includes(name) || !(value >= 0 && Number.isFinite(value))) {
      throw new InputError(`Expected fault kinds as KIND or KIND=WEIGHT among ${INJECTABLE_FAULTS.join(', ')}, got \`${text}\``);
    }
    weights[name as InjectableFault] = value;
  }
  return weights;
}

/** Builds an injector; options are validated here. */
export function createFaultInjector(options: FaultInjectorOptions = {}): FaultInjector {
  const rate = options.rate ?? 0;
  if (!(rate >= 0 && rate <= 1)) throw new InputError(`Expected the fault rate to be a probability in [0, 1], got \`${rate}\``);
  const retryAfterMs = options.retryAfterMs ?? 100;
  const hangMs = options.hangMs ?? 600_000;
  for (const [name, value] of [['retryAfterMs', retryAfterMs], ['hangMs', hangMs]] as const) {
    if (!(value >= 0 && Number.isFinite(value))) throw new InputError(`Expected \`${name}\` to be a number >= 0, got \`${value}\``);
  }
  const kinds = options.kinds ?? INJECTABLE_FAULTS;
  const weights: Array<[InjectableFault, number]> = Array.isArray(kinds)
    ? (kinds as readonly InjectableFault[]).map((kind) => [kind, 1])
    : Object.entries(kinds as Partial<Record<InjectableFault, number>>).map(([kind, weight]) => [kind as InjectableFault, weight ?? 0]);
  for (const [kind, weight] of weights) {
    if (!INJECTABLE_FAULTS.includes(kind) || !(weight >= 0 && Number.isFinite(weight))) {
      throw new InputError(`Expected fault kinds among ${INJECTABLE_FAULTS.join(', ')} with weights >= 0, got \`${kind}=${weight}\``);
    }
  }
  const totalWeight = weights.reduce((sum, [, weight]) => sum + weight, 0);
  if (rate > 0 && totalWeight === 0) throw new InputError('Expected at least one fault kind with a positive weight, got none');
  const random = randomStream(options.seed ?? 0, 0x66617574); // "faut"
  const script = options.script ?? [];
  const stats: FaultInjectionStats = {
    requests: 0,
    injected: Object.fromEntries(INJECTABLE_FAULTS.map((kind) => [kind, 0])) as Record<InjectableFault, number>,
    total: 0,
  };

  const choose = (): InjectableFault | undefined => {
    const index = stats.requests - 1;
    if (index < script.length) return script[index];
    if (rate === 0 || random() >= rate) return undefined;
    let draw = random() * totalWeight;
    for (const [kind, weight] of weights) {
      draw -= weight;
      if (draw < 0) return kind;
    }
    return weights.at(-1)![0];
  };

  return {
    stats,
    intercept(req, res, body) {
      stats.requests++;
      const fault = choose();
      if (fault === undefined) return false;
      stats.injected[fault]++;
      stats.total++;
      inject(fault, req, res, body, { retryAfterMs, hangMs, pick: () => random() });
      return true;
    },
  };
}

function completion(body: ChatCompletionBody, choices: unknown[], completionTokens: number) {
  const promptTokens = countMessageTokens(messagesOfBody(body), toolsOfBody(body));
  return {
    id: 'chatcmpl-fault',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? 'sim',
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const errorJson = (message: string, type: string) => JSON.stringify({ error: { message, type, param: null, code: null } });

function inject(
  fault: InjectableFault,
  req: IncomingMessage,
  res: ServerResponse,
  body: ChatCompletionBody,
  settings: { retryAfterMs: number; hangMs: number; pick: () => number },
): void {
  switch (fault) {
    case 'rate-limit':
      send(res, 429, errorJson('Rate limit reached (injected)', 'rate_limit_exceeded'), {
        'retry-after-ms': String(settings.retryAfterMs),
        'retry-after': String(Math.ceil(settings.retryAfterMs / 1000)),
      });
      return;
    case 'server-error': {
      const status = [500, 502, 503, 504][Math.floor(settings.pick() * 4)]!;
      send(res, status, errorJson(`Server error ${status} (injected)`, 'server_error'));
      return;
    }
    case 'request-timeout':
      send(res, 408, errorJson('Request timed out (injected)', 'timeout'));
      return;
    case 'conflict':
      send(res, 409, errorJson('Conflict (injected)', 'conflict'));
      return;
    case 'drop':
      req.socket.destroy();
      return;
    case 'truncated': {
      const text = JSON.stringify(completion(body, [{ index: 0, message: { role: 'assistant', content: 'cut short' }, finish_reason: 'stop', logprobs: null }], 2));
      const bytes = Buffer.from(text);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
      return;
    }
    case 'invalid-json':
      send(res, 200, '{"id":"chatcmpl-fault","object":"chat.completion","choices":[{"index":0,<!-- upstream proxy error -->');
      return;
    case 'empty-choices':
      send(res, 200, JSON.stringify(completion(body, [], 0)));
      return;
    case 'length': {
      const cap = body.max_completion_tokens ?? body.max_tokens ?? 4096;
      const tool = body.tools?.[0]?.function?.name;
      const message =
        tool === undefined
          ? { role: 'assistant', content: 'Let me think about the next' }
          : { role: 'assistant', content: null, tool_calls: [{ id: 'call_fault', type: 'function', function: { name: tool, arguments: '{"' } }] };
      const choice = { index: 0, message, finish_reason: 'length', logprobs: null };
      send(res, 200, JSON.stringify(completion(body, [choice], cap)));
      return;
    }
    case 'hang': {
      const timer = setTimeout(() => res.destroy(), settings.hangMs);
      timer.unref();
      res.on('close', () => clearTimeout(timer));
      return;
    }
  }
}
