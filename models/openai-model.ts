/**
 * The OpenAI-compatible backend: OpenAI, vLLM, Ollama, llama.cpp, OpenRouter and anything else that speaks chat
 * completions, over a lean keep-alive HTTP transport (chat-transport.ts). It never retries: retrying belongs to the
 * dispatcher, which this backend tells what went wrong in its fault vocabulary — a retryable status, a dropped or
 * refused connection, a timeout, a body cut short or not JSON, a completion without choices — or, for a status no
 * retry can fix (400, 401, 403, 404, 422), a `ModelCallError` that stops the run.
 */
import { abortError, isAbortError, ModelCallError, TransientModelError, type TransientFault } from '../core/errors.ts';
import type { ChatMessage, FinishReason, LanguageModel, ModelRequest, ModelResponse, Pricing, ToolSpec } from '../core/model.ts';
import { isRetryableStatus, retryAfterFromHeaders } from '../dispatch/retry.ts';
import { ChatTransport, ChatTransportError } from './chat-transport.ts';

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

/** The fields of a chat completion the backend reads. */
interface ChatCompletion {
  readonly choices?: ReadonlyArray<{
    readonly message?: {
      readonly content?: string | null;
      readonly tool_calls?: ReadonlyArray<{ readonly id: string; readonly type: string; readonly function?: { readonly name: string; readonly arguments: string } }>;
    };
    readonly finish_reason?: string | null;
  }>;
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number };
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

/** A message in the wire format. */
function wireMessage(message: ChatMessage): Record<string, unknown> {
  if (message.role === 'tool') return { role: 'tool', content: message.content, tool_call_id: message.toolCallId ?? '' };
  if (message.role === 'assistant' && message.toolCalls !== undefined) {
    return {
      role: 'assistant',
      content: message.content,
      tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
    };
  }
  return { role: message.role, content: message.content };
}

function wireTool(tool: ToolSpec): Record<string, unknown> {
  return { type: 'function', function: { name: tool.name, ...(tool.description === undefined ? {} : { description: tool.description }), parameters: { ...tool.parameters } } };
}

/** Creates a chat-completions backend. */
export function createOpenAIModel(options: OpenAIModelOptions): LanguageModel {
  const baseURL = options.baseURL ?? 'https://api.openai.com/v1';
  const endpoint = endpointName(baseURL);
  const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'] ?? 'no-key';
  const transport = new ChatTransport({ baseURL, apiKey, timeoutMs: options.timeoutMs ?? 600_000 });
  const pricing = options.pricing ?? { inputUsdPerMillion: 0, outputUsdPerMillion: 0 };
  const sendSeed = options.sendSeed ?? true;

  return {
    id: `openai:${options.model}`,
    pricing,
    async generate(request: ModelRequest): Promise<ModelResponse> {
      const started = performance.now();
      const body: Record<string, unknown> = { model: options.model, messages: request.messages.map(wireMessage) };
      if (!options.omitTemperature) body['temperature'] = request.temperature;
      if (options.useMaxCompletionTokens) body['max_completion_tokens'] = request.maxOutputTokens;
      else body['max_tokens'] = request.maxOutputTokens;
      if (sendSeed && request.seed !== undefined) body['seed'] = request.seed;
      if (request.tools !== undefined) body['tools'] = request.tools.map(wireTool);
      let completion: ChatCompletion;
      try {
        completion = (await transport.complete(body, request.signal)) as ChatCompletion;
      } catch (error) {
        throw callError(error, endpoint, apiKey, request.signal);
      }
      const usage = { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 };
      const choice = completion.choices?.[0];
      if (choice === undefined) throw new TransientModelError(endpoint, 'empty-choices', 'the completion had no choices', { usage });
      const toolCalls = choice.message?.tool_calls
        ?.filter((call) => call.type === 'function' && call.function !== undefined)
        .map((call) => ({ id: call.id, name: call.function!.name, arguments: call.function!.arguments }));
      return {
        text: choice.message?.content ?? '',
        finishReason: FINISH_REASONS[choice.finish_reason ?? ''] ?? 'other',
        usage,
        latencyMs: performance.now() - started,
        ...(toolCalls === undefined || toolCalls.length === 0 ? {} : { toolCalls }),
      };
    },
  };
}

const STATUS_FAULTS: Record<number, TransientFault> = { 408: 'request-timeout', 409: 'conflict', 429: 'rate-limit' };

/** What an error answer says: OpenAI's `{ "error": { "message": ... } }`, else the body's text, else the status. */
function statusMessage(status: number, body: string | undefined): string {
  if (body === undefined || body.trim() === '') return `${status} status code (no body)`;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const inner = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message ?? parsed.message;
    if (typeof inner === 'string' && inner.trim() !== '') return inner;
  } catch {
    // Not JSON: the text itself says what went wrong.
  }
  return body.length > 300 ? `${body.slice(0, 300)}...` : body;
}

/**
 * Sorts a failed call into what the dispatcher may retry (`TransientModelError`), what it must not
 * (`ModelCallError`: 400, 401, 403, 404, 422 and any other 4xx) and the caller's own abort. Messages are one line
 * and never carry the key.
 */
function callError(error: unknown, endpoint: string, apiKey: string, signal: AbortSignal | undefined): Error {
  // Aborted by the caller, before the response or while its body was read.
  if (signal?.aborted === true || isAbortError(error)) return abortError();
  if (!(error instanceof ChatTransportError)) return error instanceof Error ? error : new Error(String(error));
  const message = (text: string) => redact(text.replace(/\s+/g, ' ').trim(), apiKey);
  switch (error.kind) {
    case 'timeout':
      return new TransientModelError(endpoint, 'timeout', 'the request timed out', { cause: error });
    case 'connection':
      return new TransientModelError(endpoint, 'connection', message(`connection error: ${error.message}`), { cause: error });
    case 'truncated':
      return new TransientModelError(endpoint, 'truncated', 'the connection closed before the body ended', { cause: error });
    case 'invalid-json':
      return new TransientModelError(endpoint, 'invalid-json', 'the response body is not valid JSON', { cause: error });
    case 'status': {
      const status = error.status!;
      const text = message(statusMessage(status, error.body));
      if (isRetryableStatus(status)) {
        const headers = error.headers ?? {};
        const retryAfterMs = retryAfterFromHeaders({ get: (name) => [headers[name]].flat()[0] }, Date.now());
        return new TransientModelError(endpoint, STATUS_FAULTS[status] ?? 'server-error', text, { status, retryAfterMs, cause: error });
      }
      return new ModelCallError(endpoint, status, text, { cause: error });
    }
  }
}

/** Removes the key itself, and anything that looks like a bearer token or API key, from a message. */
export function redact(message: string, apiKey?: string): string {
  const withoutKey = apiKey !== undefined && apiKey.length >= 4 ? message.split(apiKey).join('[redacted]') : message;
  return withoutKey.replace(/(sk-|key-|Bearer\s+)[A-Za-z0-9_\-.]{4,}/g, '$1[redacted]');
}
