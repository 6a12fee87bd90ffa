/**
 * The OpenAI-compatible backend, through the `openai` package: OpenAI, vLLM, Ollama, llama.cpp, OpenRouter and
 * anything else that speaks chat completions. The client's own retries are off; retrying belongs to the
 * dispatcher so the two layers never stack.
 */
import OpenAI from 'openai';
import { abortError, ModelCallError } from './errors.ts';
import type { FinishReason, LanguageModel, ModelRequest, ModelResponse, Pricing } from './model.ts';

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
  const baseURL = options.baseURL ?? 'https://api.openai.com/v1';
  const endpoint = endpointName(baseURL);
  const apiKey = options.apiKey ?? process.env['OPENAI_API_KEY'] ?? 'no-key';
  const client = new OpenAI({
    baseURL,
    apiKey,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 600_000,
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
              content: message.content,
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
      }
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = await client.chat.completions.create(body, request.signal === undefined ? {} : { signal: request.signal });
      } catch (error) {
        if (error instanceof OpenAI.APIUserAbortError) throw abortError();
        if (error instanceof OpenAI.APIError) {
          // The SDK's message can echo request details; keep only the status and a key-free summary.
          throw new ModelCallError(endpoint, error.status, redact(error.message, apiKey), { cause: error });
        }
        throw error;
      }
      const choice = completion.choices?.[0];
      if (choice === undefined) throw new ModelCallError(endpoint, undefined, 'response had no choices');
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

/** Removes the key itself, and anything that looks like a bearer token or API key, from a message. */
export function redact(message: string, apiKey?: string): string {
  const withoutKey = apiKey !== undefined && apiKey.length >= 4 ? message.split(apiKey).join('[redacted]') : message;
  return withoutKey.replace(/(sk-|key-|Bearer\s+)[A-Za-z0-9_\-.]{4,}/g, '$1[redacted]');
}
