/**
 * The project's token counter: OpenAI's `o200k_base` encoding (GPT-4o, GPT-4.1, o-series) through
 * gpt-tokenizer. Used for context-budget checks and for the simulated model's reported prompt tokens.
 * A small cache keyed by text makes the constant parts of prompts (rules, strategy) free after the first call.
 */
import { createRequire } from 'node:module';
import type { ChatMessage } from '../core/model.ts';

type Encoding = typeof import('gpt-tokenizer/encoding/o200k_base');

/**
 * The encoding's tables (about 200 ms to load and tens of MB of heap) load when the first token is counted, not
 * when this module is imported: `maker --help` and runs that never count pay nothing. A synchronous counter cannot
 * await a dynamic import, so the first call requires the package's CommonJS build instead.
 */
let encodeCount: Encoding['countTokens'] | undefined;
function encoding(): Encoding['countTokens'] {
  encodeCount ??= (createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as Encoding).countTokens;
  return encodeCount;
}

/** Tokens a chat message costs beyond its content (OpenAI's accounting for role and separators). */
export const MESSAGE_OVERHEAD_TOKENS = 3;
/** Tokens that prime every reply. */
export const REPLY_PRIMING_TOKENS = 3;

const CACHE_LIMIT = 256;
const cache = new Map<string, number>();

/** Number of tokens in a text. Special-token strings are counted as ordinary text, never rejected. */
export function countTokens(text: string): number {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const count = encoding()(text, { disallowedSpecial: new Set() });
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(text, count);
  return count;
}

/** Prompt tokens of a chat request, counted the way OpenAI bills chat messages. */
export function countMessageTokens(messages: readonly ChatMessage[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) total += MESSAGE_OVERHEAD_TOKENS + countTokens(message.content);
  return total;
}
