/**
 * The one request/response shape every model backend implements: the simulated model, the OpenAI-compatible
 * client and the scripted test model. Tool calls are optional fields on both sides, so a backend that knows
 * nothing of tools still satisfies the interface.
 */

/** Who wrote a message. `tool` carries a tool's result back to the model. */
export type Role = 'system' | 'user' | 'assistant' | 'tool';

/** A tool invocation requested by the model. `arguments` is the raw JSON text the model produced. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolSpec {
  readonly name: string;
  readonly description?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** One chat message. */
export interface ChatMessage {
  readonly role: Role;
  readonly content: string;
  /** Tool calls an assistant message made. */
  readonly toolCalls?: readonly ToolCall[];
  /** For `role: 'tool'`: the id of the call this message answers. */
  readonly toolCallId?: string;
}

/** What a backend is asked for. */
export interface ModelRequest {
  readonly messages: readonly ChatMessage[];
  /** Sampling temperature; 0 asks for the model's deterministic answer. */
  readonly temperature: number;
  /** Cap on output tokens; a response cut at the cap comes back with `finishReason: 'length'`. */
  readonly maxOutputTokens: number;
  /** Aborts the call; a backend rejects with an `AbortError`-named error. */
  readonly signal?: AbortSignal;
  /**
   * Per-sample seed, derived by the sampler from (run seed, step, sample index). Backends that can honour it
   * (the simulated model, OpenAI's `seed`) use it so a run is reproducible whatever order calls complete in.
   */
  readonly seed?: number;
  /** Tools offered to the model. */
  readonly tools?: readonly ToolSpec[];
  /**
   * Whether the model may, must or must not call a tool, or which one it must call. Only meaningful with `tools`.
   * @default the backend's own default (`auto` for OpenAI when tools are offered)
   */
  readonly toolChoice?: ToolChoice;
  /** Whether the model may make several tool calls in one turn. @default the backend's own default (true for OpenAI) */
  readonly parallelToolCalls?: boolean;
}

/** `auto`: the model decides; `none`: text only; `required`: at least one call; `{ name }`: exactly that tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/** Why generation stopped. `length` means the output cap cut the response. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

/** Token usage as the backend reported it. */
export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** What a backend answers. */
export interface ModelResponse {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage: Usage;
  /** Wall time of the call, in milliseconds. */
  readonly latencyMs: number;
  readonly toolCalls?: readonly ToolCall[];
}

/** Prices in US dollars per million tokens. */
export interface Pricing {
  readonly inputUsdPerMillion: number;
  readonly outputUsdPerMillion: number;
}

/** A model backend. */
export interface LanguageModel {
  /** A stable name such as `sim:gpt-4.1-mini` or `openai:gpt-4.1-mini`. */
  readonly id: string;
  /** Prices used for cost accounting; zero when unknown. */
  readonly pricing: Pricing;
  generate(request: ModelRequest): Promise<ModelResponse>;
  /**
   * The same call answered at once, without a promise: offered only by a backend that computes in-process and has
   * nothing to wait for (the simulated model without latency). The dispatcher's fast path uses it when present, so
   * a simulated run pays no promise, queue or abort machinery per sample. Define it non-enumerable (or on a
   * prototype), so that a wrapper made by spreading the model (`{ ...model, generate }`) does not inherit it.
   */
  readonly generateNow?: (request: ModelRequest) => ModelResponse;
}

/** Dollar cost of one response's usage at the given prices. */
export function costOf(usage: Usage, pricing: Pricing): number {
  return (usage.promptTokens * pricing.inputUsdPerMillion + usage.completionTokens * pricing.outputUsdPerMillion) / 1e6;
}
