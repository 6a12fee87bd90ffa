/**
 * The project's token counter: OpenAI's `o200k_base` encoding (GPT-4o, GPT-4.1, o-series) through
 * gpt-tokenizer. Used for context-budget checks, token rate limits and budgets, and for the simulated model's
 * reported prompt tokens. A small cache keyed by text makes the constant parts of prompts (rules, strategy)
 * free after the first call.
 *
 * Tools cost prompt tokens too: OpenAI renders the offered tools' schemas into the prompt as a TypeScript-like
 * namespace, and every earlier tool call (name and arguments) and tool result stays in the conversation. The
 * schema count follows that rendering; it is an estimate (OpenAI does not publish the exact template), close to
 * but not always equal to what a server bills.
 */
import { createRequire } from 'node:module';
import type { ChatMessage, ToolSpec } from '../core/model.ts';

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
/** Tokens one tool call costs beyond its name and arguments (its id, type and separators). */
export const TOOL_CALL_OVERHEAD_TOKENS = 7;
/** Tokens the tools block costs beyond its rendered schemas, once per request that offers tools. */
export const TOOLS_OVERHEAD_TOKENS = 12;

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

/**
 * Prompt tokens of a chat request, counted the way OpenAI bills chat messages: each message's content and
 * framing, each tool call's name and arguments, and (when `tools` are offered) their rendered schemas.
 */
export function countMessageTokens(messages: readonly ChatMessage[], tools?: readonly ToolSpec[]): number {
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    total += MESSAGE_OVERHEAD_TOKENS + countTokens(message.content);
    if (message.toolCalls !== undefined) {
      for (const call of message.toolCalls) total += TOOL_CALL_OVERHEAD_TOKENS + countTokens(call.name) + countTokens(call.arguments);
    }
  }
  if (tools !== undefined && tools.length > 0) total += countToolTokens(tools);
  return total;
}

const toolCache = new WeakMap<readonly ToolSpec[], number>();

/** Prompt tokens that offering these tools costs: their schemas as OpenAI renders them, plus the block's framing. */
export function countToolTokens(tools: readonly ToolSpec[]): number {
  if (tools.length === 0) return 0;
  const hit = toolCache.get(tools);
  if (hit !== undefined) return hit;
  const count = TOOLS_OVERHEAD_TOKENS + countTokens(renderTools(tools));
  toolCache.set(tools, count);
  return count;
}

/** The tools block as OpenAI's chat template renders it into the prompt: a `functions` namespace of typed signatures. */
export function renderTools(tools: readonly ToolSpec[]): string {
  const lines = ['# Tools', '', '## functions', '', 'namespace functions {', ''];
  for (const tool of tools) {
    if (tool.description !== undefined) lines.push(`// ${tool.description}`);
    lines.push(`type ${tool.name} = (_: ${renderType(tool.parameters, '')}) => any;`, '');
  }
  lines.push('} // namespace functions');
  return lines.join('\n');
}

/** A JSON Schema as a TypeScript type, the way the chat template writes parameters (descriptions as comments). */
function renderType(schema: Readonly<Record<string, unknown>>, indent: string): string {
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues)) return enumValues.map((value) => JSON.stringify(value)).join(' | ');
  const type = schema['type'];
  if (type === 'object' || (type === undefined && typeof schema['properties'] === 'object')) {
    const properties = (schema['properties'] ?? {}) as Record<string, Readonly<Record<string, unknown>>>;
    const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as unknown[]) : []);
    const inner = `${indent}  `;
    const fields = Object.entries(properties).map(([name, property]) => {
      const comment = typeof property['description'] === 'string' ? `${inner}// ${property['description']}\n` : '';
      return `${comment}${inner}${name}${required.has(name) ? '' : '?'}: ${renderType(property, inner)},`;
    });
    return fields.length === 0 ? '{}' : `{\n${fields.join('\n')}\n${indent}}`;
  }
  if (type === 'array') {
    const items = schema['items'];
    return `${typeof items === 'object' && items !== null ? renderType(items as Record<string, unknown>, indent) : 'any'}[]`;
  }
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'string' || type === 'boolean' || type === 'null') return type;
  return 'any';
}
