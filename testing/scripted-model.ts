/**
 * A scripted test model: the n-th call gets the n-th scripted response, and every request is recorded.
 * A script entry may be a text, a full response (tool calls included: see {@link toolCall}), an error to throw,
 * or a function of the request.
 */
import type { LanguageModel, ModelRequest, ModelResponse, Pricing, ToolCall } from '../core/model.ts';

/** One scripted answer. */
export type ScriptEntry = string | Partial<ModelResponse> | Error | ((request: ModelRequest, call: number) => ModelResponse | Promise<ModelResponse>);

/** Options of {@link createScriptedModel}. */
export interface ScriptedModelOptions {
  /** Responses in call order. */
  readonly script: readonly ScriptEntry[];
  /** What to do once the script runs out. @default 'throw' */
  readonly whenExhausted?: 'throw' | 'repeat-last';
  readonly pricing?: Pricing;
  readonly id?: string;
}

/** The scripted model and the calls it saw. */
export interface ScriptedModel extends LanguageModel {
  readonly calls: ModelRequest[];
}

/**
 * Builds a response with defaults for every field not given. The finish reason defaults to `tool_calls` when
 * the response makes tool calls, else `stop`.
 */
export function response(fields: Partial<ModelResponse> & { text: string }): ModelResponse {
  const finishReason = fields.toolCalls !== undefined && fields.toolCalls.length > 0 ? 'tool_calls' : 'stop';
  return { finishReason, usage: { promptTokens: 10, completionTokens: 10 }, latencyMs: 0, ...fields };
}

let nextCallId = 0;

/**
 * A tool call for a script: arguments as an object (serialised as JSON) or as raw text (to script malformed
 * JSON). The id defaults to a fresh `call_N`.
 */
export function toolCall(name: string, args: Readonly<Record<string, unknown>> | string, id?: string): ToolCall {
  return { id: id ?? `call_${++nextCallId}`, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}

/** Creates a scripted model. */
export function createScriptedModel(options: ScriptedModelOptions): ScriptedModel {
  const calls: ModelRequest[] = [];
  return {
    id: options.id ?? 'scripted',
    pricing: options.pricing ?? { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
    calls,
    async generate(request) {
      const call = calls.length;
      calls.push(request);
      let entry = options.script[call];
      if (entry === undefined) {
        if (options.whenExhausted === 'repeat-last' && options.script.length > 0) entry = options.script[options.script.length - 1]!;
        else throw new Error(`Scripted model has no response for call ${call + 1}`);
      }
      if (entry instanceof Error) throw entry;
      if (typeof entry === 'function') return entry(request, call);
      if (typeof entry === 'string') return response({ text: entry });
      return response({ text: '', ...entry });
    },
  };
}
