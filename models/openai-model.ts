/**
 * The OpenAI-compatible backend, through the `openai` package: OpenAI, vLLM, Ollama, llama.cpp, OpenRouter and
 * anything else that speaks chat completions. The client's own retries are off; retrying belongs to the
 * dispatcher so the two layers never stack.
 */
import OpenAI from 'openai';
import { abortError, InputError, ModelCallError, TransientModelError, type TransientFault } from '../core/errors.ts';
import type { FinishReason, LanguageModel, ModelRequest, ModelResponse, Pricing } from '../core/model.ts';
import { isRetryableStatus, retryAfterFromHeaders } from './http-faults.ts';

/** Options of {@link createOpenAIModel}. */
export interface OpenAIModelOptions {
  /** Model name sent in each request. */
  readonly model: string;
  /** Base URL of the API, e.g. `http://127.0.0.1:8000/v1`. @default 'https://api.openai.com/v1' */
  readonly baseURL?: string;
  /** API key. @default the `OPENAI_API_KEY` environment variable, else a placeholder for local servers */
  readonly apiKey?: string;
  /** Prices for cost accounting. @default zero */
  readonly pricing?: Pricing;
  /** Per-request timeout in milliseconds. @default 600000 */
  readonly timeoutMs?: number;
  /** Send `max_completion_tokens` instead of `max_tokens` (newer OpenAI models require it). @default false */
  readonly useMaxCompletionTokens?: boolean;
  /** Leave `temperature` out of requests (models that reject it). @default false */
  readonly omitTemperature?: boolean;
  /** Send the per-sample `seed`. @default true */
  readonly sendSeed?: boolean;
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

/** A base URL as the client uses it: where requests go, and the query parameters sent with each. */
export interface ParsedBaseURL {
  /** The URL without its query string (`http://127.0.0.1:8000/v1`). */
  readonly url: string;
  /** Its query parameters (`{ key: '...' }`), which may hold a key: never stored or printed. */
  readonly query: Readonly<Record<string, string>>;
}

/**
 * Checks and splits a base URL: an http or https URL without user info (fetch refuses `user:password@`). Its
 * query string is kept apart, since the SDK would append the request path after it, and since it may hold a
 * key. A bad value is an `InputError` naming `name` and quoting the value up to its query string.
 */
export function parseBaseURL(value: string, name = '`baseURL`'): ParsedBaseURL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') {
    const shown = value.includes('?') ? `${value.slice(0, value.indexOf('?'))}?...` : value;
    throw new InputError(`Expected ${name} to be an http or https URL such as http://127.0.0.1:8000/v1, got \`${shown}\``);
  }
  if (url.username !== '' || url.password !== '') {
    throw new InputError(`Expected ${name} without a user name or password (\`user:password@\`), which fetch cannot send; pass the key as the API key instead`);
  }
  if (url.search === '' && url.hash === '') return { url: value, query: {} };
  const query = Object.fromEntries(url.searchParams);
  url.search = '';
  url.hash = '';
  return { url: url.toString(), query };
}

/** The host and path of a base URL, for messages that must never carry a key. */
export function endpointName(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    return `${url.host}${url.pathname.replace(/\/$/, '')}`;
  } catch {
    return 'the endpoint';
  }
}

/** Creates a chat-completions backend. */
export function createOpenAIModel(options: OpenAIModelOptions): LanguageModel {
  const { url: baseURL, query } = parseBaseURL(options.baseURL ?? 'https://api.openai.com/v1');
  const endpoint = endpointName(baseURL);
  const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'] ?? 'no-key';
  const secrets = [apiKey, ...Object.values(query)];
  const client = new OpenAI({
    baseURL,
    apiKey,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 600_000,
    ...(Object.keys(query).length === 0 ? {} : { defaultQuery: query }),
  });
  const pricing = options.pricing ?? { inputUsdPerMillion: 0, outputUsdPerMillion: 0 };

  return {
    id: `openai:${options.model}`,
    pricing,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const started = performance.now();
      const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
        model: options.model,
        messages: request.messages.map((message) => {
          if (message.role === 'tool') return { role: 'tool', content: message.content, tool_call_id: message.toolCallId ?? '' };
          if (message.role === 'assistant' && message.toolCalls !== undefined) {
            return {
              role: 'assistant',
              // A turn that only calls tools has no text; servers expect null rather than an empty string there.
              content: message.content === '' ? null : message.content,
              tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
            };
          }
          return { role: message.role, content: message.content } as OpenAI.Chat.ChatCompletionMessageParam;
        }),
      };
      if (!options.omitTemperature) body.temperature = request.temperature;
      if (options.useMaxCompletionTokens) body.max_completion_tokens = request.maxOutputTokens;
      else body.max_tokens = request.maxOutputTokens;
      if ((options.sendSeed ?? true) && request.seed !== undefined) body.seed = request.seed;
      if (request.tools !== undefined) {
        body.tools = request.tools.map((tool) => ({
          type: 'function',
          function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: { ...tool.parameters } },
        }));
        if (request.toolChoice !== undefined) {
          body.tool_choice = typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
        }
        if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
      }
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await client.chat.completions.create(body, request.signal === undefined ? {} : { signal: request.signal });
      } catch (error) {
        throw callError(error, endpoint, secrets, request.signal);
      }
      // A body that is not JSON (a web page at the wrong URL, a proxy's login page) comes back as text.
      if (typeof completion !== 'object' || completion === null) {
        throw new ModelCallError(endpoint, 200, `the answer is ${describeBody(String(completion))}, not a chat completion; is the base URL the API's (usually ending in /v1)?`);
      }
      const choice = completion.choices?.[0];
      if (choice === undefined) {
        const usage = { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 };
        throw new TransientModelError(endpoint, 'empty-choices', 'the completion had no choices', { usage });
      }
      const toolCalls = choice.message.tool_calls
        ?.filter((call) => call.type === 'function')
        .map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
      return {
        text: choice.message.content ?? '',
        finishReason: FINISH_REASONS[choice.finish_reason] ?? 'other',
        usage: { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 },
        latencyMs: performance.now() - started,
        ...(toolCalls === undefined || toolCalls.length === 0 ? {} : { toolCalls }),
      };
    },
  };
}

const STATUS_FAULTS: Record<number, TransientFault> = { 408: 'request-timeout', 409: 'conflict', 429: 'rate-limit' };

/**
 * Sorts a failed call into what the dispatcher may retry (`TransientModelError`), what it must not
 * (`ModelCallError`: 400, 401, 403, 404, 422 and any other 4xx) and the caller's own abort. Messages are one line
 * and never carry the key.
 */
function callError(error: unknown, endpoint: string, secrets: readonly string[], signal: AbortSignal | undefined): Error {
  // Aborted by the caller, before the response or while its body was read.
  if (signal?.aborted === true || error instanceof OpenAI.APIUserAbortError) return abortError();
  const message = (text: string) => secrets.reduce((redacted, secret) => redact(redacted, secret), text.replace(/\s+/g, ' ').trim());
  if (error instanceof OpenAI.APIConnectionTimeoutError) return new TransientModelError(endpoint, 'timeout', 'the request timed out', { cause: error });
  if (error instanceof OpenAI.APIConnectionError) {
    return new TransientModelError(endpoint, 'connection', message(rootCause(error)), { cause: error });
  }
  if (error instanceof OpenAI.APIError) {
    const { status } = error;
    // The SDK prefixes its message with the status, which the error names anyway.
    const body = error.message.replace(/^\d{3}\s+/, '');
    const text = message(looksLikeHtml(body) ? describeBody(body) : body);
    if (status !== undefined && isRetryableStatus(status)) {
      const retryAfterMs = retryAfterFromHeaders(error.headers, Date.now());
      return new TransientModelError(endpoint, STATUS_FAULTS[status] ?? 'server-error', text, { status, retryAfterMs, cause: error });
    }
    return new ModelCallError(endpoint, status, text, { cause: error });
  }
  // The body did not parse: the SDK hands on JSON.parse's error.
  if (error instanceof SyntaxError) return new TransientModelError(endpoint, 'invalid-json', 'the response body is not valid JSON', { cause: error });
  // The connection closed while the body was being read (undici: TypeError "terminated").
  if (error instanceof TypeError && (error.message === 'terminated' || /^UND_ERR/.test(String((error.cause as { code?: unknown } | undefined)?.code)))) {
    return new TransientModelError(endpoint, 'truncated', 'the connection closed before the body ended', { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What a failed connection came down to: the innermost cause (`connect ECONNREFUSED 127.0.0.1:8000`, `getaddrinfo
 * ENOTFOUND host`), not the SDK's "Connection error." over fetch's "fetch failed".
 */
function rootCause(error: Error): string {
  let inner: unknown = error;
  for (let depth = 0; depth < 8 && inner instanceof Error && inner.cause instanceof Error; depth++) inner = inner.cause;
  const text = inner instanceof Error ? inner.message : error.message;
  // fetch refuses a few well-known ports outright (9, 25, 6000, ...), with just these two words.
  return text === 'bad port' ? 'fetch refuses to connect to this port (a reserved one); use another' : text;
}

/** Longest error detail quoted from a server's body, in characters. */
const MAX_DETAIL = 200;

function looksLikeHtml(text: string): boolean {
  return /^\s*<(!doctype html|html|head|body)\b/i.test(text);
}

/** A body in a few words: an HTML page by its title, anything else cut to {@link MAX_DETAIL} characters. */
function describeBody(text: string): string {
  if (looksLikeHtml(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.replace(/\s+/g, ' ').trim();
    return title === undefined || title === '' ? 'a text/html page' : `a text/html page ("${title.slice(0, MAX_DETAIL)}")`;
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === '' ? 'an empty body' : `"${flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL)}...` : flat}"`;
}

/** Removes the key itself, and anything that looks like a bearer token or API key, from a message. */
export function redact(message: string, apiKey?: string): string {
  const withoutKey = apiKey !== undefined && apiKey.length >= 4 ? message.split(apiKey).join('[redacted]') : message;
  return withoutKey.replace(/(sk-|key-|Bearer\s+)[A-Za-z0-9_\-.]{4,}/g, '$1[redacted]');
}
