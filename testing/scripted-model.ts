/**
 * A scripted test model: the n-th call gets the n-th scripted response, and every request is recorded.
 * A script entry may be a text, a full response, an error to throw, or a function of the request.
 */
import type { LanguageModel, ModelRequest, ModelResponse, Pricing } from '../core/model.ts';

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

/** Builds a response with defaults for every field not given. */
export function response(fields: Partial<ModelResponse> & { text: string }): ModelResponse {
  return { finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 10 }, latencyMs: 0, ...fields };
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
