/**
 * An OpenAI-compatible chat-completions server backed by any `LanguageModel` (in practice the simulated one).
 * It answers whatever model name a request carries. Tests start it on 127.0.0.1 with port 0; `maker serve`
 * exposes it so users can point their own pipelines at a simulated model.
 *
 * Tools travel in the chat-completions format both ways: `tools`, `tool_choice` and `parallel_tool_calls` in the
 * request, assistant `tool_calls` and `tool` messages (with `tool_call_id`) in the conversation, and a response
 * whose message carries `tool_calls` (content null when there is no text) with `finish_reason: "tool_calls"`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMessage, LanguageModel, ModelRequest, ModelResponse, ToolChoice, ToolSpec } from '../core/model.ts';

/** Options of {@link startChatServer}. */
export interface ChatServerOptions {
  readonly model: LanguageModel;
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Called before each completion; may answer the request itself (to inject a fault) by returning true after
   * writing to `res`. Used by `maker serve --fault-rate`.
   */
  readonly intercept?: (req: IncomingMessage, res: ServerResponse, body: ChatCompletionBody) => boolean | Promise<boolean>;
  /** Extra fields for `GET /maker/stats` (the fault injector's counts). */
  readonly stats?: () => Record<string, unknown>;
}

/** What the server answered, for tests and `GET /maker/stats`. */
export interface ChatServerStats {
  /** Chat-completion requests received (well-formed or not). */
  requests: number;
  /** Completions the model answered, by finish reason (faults injected by `intercept` are not counted here). */
  finishReasons: Record<string, number>;
}

/** A tool call in the wire format. */
export interface WireToolCall {
  readonly id?: string;
  readonly type?: string;
  readonly function?: { readonly name?: string; readonly arguments?: string };
}

/** A message in the wire format. */
export interface WireMessage {
  readonly role?: string;
  readonly content?: unknown;
  readonly tool_calls?: readonly WireToolCall[];
  readonly tool_call_id?: string;
}

/** A tool offered in the wire format. */
export interface WireTool {
  readonly type?: string;
  readonly function?: { readonly name?: string; readonly description?: string; readonly parameters?: Record<string, unknown> };
}

/** The fields of a chat-completions request the server reads. */
export interface ChatCompletionBody {
  readonly model?: string;
  readonly messages?: readonly WireMessage[];
  readonly temperature?: number;
  readonly max_tokens?: number;
  readonly max_completion_tokens?: number;
  readonly seed?: number;
  readonly tools?: readonly WireTool[];
  readonly tool_choice?: 'auto' | 'none' | 'required' | { readonly type?: string; readonly function?: { readonly name?: string } };
  readonly parallel_tool_calls?: boolean;
}

/** The request's messages in the model interface's shape. */
export function messagesOfBody(body: ChatCompletionBody): ChatMessage[] {
  return (body.messages ?? []).map((message) => {
    const content = typeof message.content === 'string' ? message.content : message.content === null || message.content === undefined ? '' : JSON.stringify(message.content);
    const toolCalls = message.tool_calls?.map((call) => ({ id: call.id ?? '', name: call.function?.name ?? '', arguments: call.function?.arguments ?? '' }));
    return {
      role: (message.role ?? 'user') as ChatMessage['role'],
      content,
      ...(toolCalls === undefined || toolCalls.length === 0 ? {} : { toolCalls }),
      ...(message.tool_call_id === undefined ? {} : { toolCallId: message.tool_call_id }),
    };
  });
}

/** The request's tools in the model interface's shape (undefined when none are offered). */
export function toolsOfBody(body: ChatCompletionBody): ToolSpec[] | undefined {
  if (body.tools === undefined || body.tools.length === 0) return undefined;
  return body.tools.map((tool) => ({
    name: tool.function?.name ?? '',
    ...(tool.function?.description === undefined ? {} : { description: tool.function.description }),
    parameters: tool.function?.parameters ?? { type: 'object', properties: {} },
  }));
}

function toolChoiceOfBody(body: ChatCompletionBody): ToolChoice | undefined {
  const choice = body.tool_choice;
  if (choice === undefined || typeof choice === 'string') return choice;
  return { name: choice.function?.name ?? '' };
}

/** A running server. */
export interface RunningChatServer {
  /** Base URL ending in `/v1`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly stats: ChatServerStats;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function errorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: null } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The wire-format completion for a model response. */
export function completionJson(body: ChatCompletionBody, response: ModelResponse, id: string) {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? 'sim',
    choices: [{ index: 0, message: messageJson(response), finish_reason: response.finishReason, logprobs: null }],
    usage: {
      prompt_tokens: response.usage.promptTokens,
      completion_tokens: response.usage.completionTokens,
      total_tokens: response.usage.promptTokens + response.usage.completionTokens,
    },
  };
}

/** The assistant message of a completion: text, and tool calls when the model made any (content null without text). */
function messageJson(response: ModelResponse) {
  if (response.toolCalls === undefined || response.toolCalls.length === 0) return { role: 'assistant', content: response.text };
  return {
    role: 'assistant',
    content: response.text === '' ? null : response.text,
    tool_calls: response.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })),
  };
}

/** Starts the server and resolves once it listens. */
export async function startChatServer(options: ChatServerOptions): Promise<RunningChatServer> {
  let counter = 0;
  const stats: ChatServerStats = { requests: 0, finishReasons: {} };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(error instanceof Error ? error.message : String(error), 'server_error'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [{ id: options.model.id, object: 'model', owned_by: 'maker' }] });
      return;
    }
    if (req.method === 'GET' && path === '/maker/stats') {
      sendJson(res, 200, { ...stats, ...options.stats?.() });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(res, 404, errorBody(`No route for ${req.method} ${path}`, 'invalid_request_error'));
      return;
    }
    stats.requests++;
    let body: ChatCompletionBody;
    try {
      body = JSON.parse(await readBody(req)) as ChatCompletionBody;
    } catch {
      sendJson(res, 400, errorBody('Request body is not valid JSON', 'invalid_request_error'));
      return;
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      sendJson(res, 400, errorBody('`messages` must be a non-empty array', 'invalid_request_error'));
      return;
    }
    if (options.intercept !== undefined && (await options.intercept(req, res, body))) return;
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const tools = toolsOfBody(body);
    const toolChoice = toolChoiceOfBody(body);
    const request: ModelRequest = {
      messages: messagesOfBody(body),
      temperature: body.temperature ?? 1,
      maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? 4096,
      signal: abort.signal,
      ...(body.seed === undefined ? {} : { seed: body.seed }),
      ...(tools === undefined ? {} : { tools }),
      ...(toolChoice === undefined ? {} : { toolChoice }),
      ...(body.parallel_tool_calls === undefined ? {} : { parallelToolCalls: body.parallel_tool_calls }),
    };
    const response = await options.model.generate(request);
    stats.finishReasons[response.finishReason] = (stats.finishReasons[response.finishReason] ?? 0) + 1;
    sendJson(res, 200, completionJson(body, response, `chatcmpl-${++counter}`));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
