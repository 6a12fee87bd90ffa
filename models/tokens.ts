/**
 * The project's token counter: OpenAI's `o200k_base` encoding (GPT-4o, GPT-4.1, o-series) through
 * gpt-tokenizer. Used for context-budget checks and for the simulated model's reported prompt tokens.
 *
 * Every simulated step counts a prompt nobody has counted before, so counting is on the hot path. Three layers
 * keep it cheap without changing a single count:
 * - a step's messages array is counted once, however many samples and layers ask in a row;
 * - whole texts seen recently (a prompt's constant rules and strategy) are looked up, not counted (a small LRU);
 * - ASCII text is split into o200k's pre-tokenizer chunks by a hand-written scanner (the same chunks its regular
 *   expression finds, property-tested against it) and each distinct chunk is encoded once; text with any other
 *   character goes to gpt-tokenizer whole.
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

/**
 * Loads the encoding's tables now instead of at the first count. A server calls it before it listens: otherwise
 * its first requests wait for the load (a few hundred ms on a busy machine), and a client with a short timeout
 * sees them time out.
 */
export function loadTokenizer(): void {
  encoding();
}


/** Tokens a chat message costs beyond its content (OpenAI's accounting for role and separators). */
export const MESSAGE_OVERHEAD_TOKENS = 3;
/** Tokens that prime every reply. */
export const REPLY_PRIMING_TOKENS = 3;
/** Tokens one tool call costs beyond its name and arguments (its id, type and separators). */
export const TOOL_CALL_OVERHEAD_TOKENS = 7;
/** Tokens the tools block costs beyond its rendered schemas, once per request that offers tools. */
export const TOOLS_OVERHEAD_TOKENS = 12;

/** Special-token strings are counted as ordinary text, never rejected. */
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

/** Number of tokens in a text. Special-token strings are counted as ordinary text, never rejected. */
export function countTokens(text: string): number {
  // Short ASCII text is counted faster than it could be looked up (hashing a new string reads it all anyway).
  if (text.length < CACHED_LENGTH) {
    const count = countAscii(text);
    if (count !== undefined) return count;
  }
  const hit = texts.get(text);
  if (hit !== undefined) return hit;
  const count = countAscii(text) ?? encoding()(text, NO_SPECIAL);
  if (texts.size >= TEXT_CACHE_LIMIT) {
    const oldest = texts.keys().next().value;
    if (oldest !== undefined) texts.delete(oldest);
  }
  texts.set(text, count);
  return count;
}

/** Texts at least this long, and others that are not ASCII, are kept once counted. */
const CACHED_LENGTH = 256;
const TEXT_CACHE_LIMIT = 256;
/** Counts of texts seen recently: a prompt's constant parts recur at every step, the rest rarely. */
const texts = new Map<string, number>();

// The last messages array counted, its contents and their count: the engine counts a call's prompt for its context
// budget, and the simulated model then reports the same array's tokens for every sample. Comparing the contents
// too (the same string objects, so a pointer check each) keeps an array changed in place from a stale count.
let lastMessages: readonly ChatMessage[] | undefined;
let lastContents: string[] = [];
let lastCount = 0;

/**
 * Prompt tokens of a chat request, counted the way OpenAI bills chat messages: each message's content and
 * framing, each tool call's name and arguments, and (when `tools` are offered) their rendered schemas. The same
 * plain prompt asked twice in a row is counted once.
 */
export function countMessageTokens(messages: readonly ChatMessage[], tools?: readonly ToolSpec[]): number {
  const toolTokens = tools !== undefined && tools.length > 0 ? countToolTokens(tools) : 0;
  if (messages === lastMessages && messages.length === lastContents.length && messages.every(sameContent)) return lastCount + toolTokens;
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    total += MESSAGE_OVERHEAD_TOKENS + countTokens(message.content);
    if (message.toolCalls !== undefined) {
      for (const call of message.toolCalls) total += TOOL_CALL_OVERHEAD_TOKENS + countTokens(call.name) + countTokens(call.arguments);
    }
  }
  lastMessages = messages;
  lastContents = messages.map(contentOf);
  lastCount = total;
  return total + toolTokens;
}

function sameContent(message: ChatMessage, index: number): boolean {
  return message.content === lastContents[index];
}

function contentOf(message: ChatMessage): string {
  return message.content;
}

// ---- The o200k pre-tokenizer on ASCII text -------------------------------------------------------------------
//
// gpt-tokenizer splits text with this expression before byte-pair encoding each piece:
//
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE]))?
//   |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'(?:...))?
//   |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// On ASCII the classes are plain: letters A-Z (upper) and a-z (lower), digits 0-9, whitespace \t \n \v \f \r
// and space. `scanChunk` returns where the piece starting at `i` ends, taking the alternatives in that order.

const UPPER = 1;
const LOWER = 2;
const DIGIT = 4;
const SPACE = 8;
const NEWLINE = 16;
const CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  if (code >= 0x41 && code <= 0x5a) CLASS[code] = UPPER;
  else if (code >= 0x61 && code <= 0x7a) CLASS[code] = LOWER;
  else if (code >= 0x30 && code <= 0x39) CLASS[code] = DIGIT;
  else if (code === 0x0a || code === 0x0d) CLASS[code] = SPACE | NEWLINE;
  else if (code === 0x09 || code === 0x0b || code === 0x0c || code === 0x20) CLASS[code] = SPACE;
}
const LETTER = UPPER | LOWER;

/** The class bits of the character at `i`: 0 past the end and outside ASCII (never an out-of-bounds read). */
function classAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? CLASS[code]! : 0;
}

/** An ASCII character that is neither whitespace, letter nor digit. */
function isPunctAt(text: string, i: number): boolean {
  const code = text.charCodeAt(i);
  return code < 128 && (CLASS[code]! & (LETTER | DIGIT | SPACE)) === 0;
}

/** The end of the letters alternatives' match with its letters starting at `s`, contraction included. */
function wordEnd(text: string, s: number): number {
  let i = s;
  while (classAt(text, i) === UPPER) i++;
  // `[Lu]*[Ll]+` when lower case follows the capitals, else `[Lu]+[Ll]*` with none.
  while (classAt(text, i) === LOWER) i++;
  // `'s`, `'d`, `'m`, `'t`, `'ll`, `'ve` or `'re`, in any case.
  if (text.charCodeAt(i) !== 0x27) return i;
  const a = text.charCodeAt(i + 1) | 0x20;
  if (a === 0x73 || a === 0x64 || a === 0x6d || a === 0x74) return i + 2;
  const b = text.charCodeAt(i + 2) | 0x20;
  if ((a === 0x6c && b === 0x6c) || (a === 0x76 && b === 0x65) || (a === 0x72 && b === 0x65)) return i + 3;
  return i;
}

/** Token counts of the chunks seen so far, by a hash of their text; each entry is verified against the text. */
interface Chunk {
  readonly text: string;
  readonly tokens: number;
  readonly next: Chunk | undefined;
}
const chunks = new Map<number, Chunk>();
const CHUNK_LIMIT = 50_000;

/** Counts of pieces of two to four characters, keyed exactly by their packed 7-bit codes and length. */
const shortChunks = new Map<number, number>();

function chunkTokens(text: string, start: number, end: number): number {
  const length = end - start;
  if (length <= 4) {
    // Two bits of length and up to four 7-bit codes: an exact key below 2^30, a small integer for the map.
    let key = length - 1;
    for (let i = start; i < end; i++) key = (key << 7) | text.charCodeAt(i);
    const known = shortChunks.get(key);
    if (known !== undefined) return known;
    const tokens = encoding()(text.slice(start, end), NO_SPECIAL);
    if (shortChunks.size >= CHUNK_LIMIT) shortChunks.clear();
    shortChunks.set(key, tokens);
    return tokens;
  }
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  const head = chunks.get(h);
  for (let chunk = head; chunk !== undefined; chunk = chunk.next) {
    if (chunk.text.length === length && sameAt(text, start, chunk.text)) return chunk.tokens;
  }
  const piece = text.slice(start, end);
  const tokens = encoding()(piece, NO_SPECIAL);
  // Text of unbounded variety (long words, say) must not grow the table without end.
  if (chunks.size >= CHUNK_LIMIT) {
    chunks.clear();
    chunks.set(h, { text: piece, tokens, next: undefined });
  } else {
    chunks.set(h, { text: piece, tokens, next: head });
  }
  return tokens;
}

/** True when `piece` occurs in `text` at `start` (a loop: `startsWith` with a position is far slower here). */
function sameAt(text: string, start: number, piece: string): boolean {
  for (let i = 0; i < piece.length; i++) if (text.charCodeAt(start + i) !== piece.charCodeAt(i)) return false;
  return true;
}

/** The o200k token count of an ASCII text, or undefined for text with any other character. */
export function countAscii(text: string): number | undefined {
  const length = text.length;
  let tokens = 0;
  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    // A piece ends at the first character outside ASCII (its class reads as 0), so one found here is new.
    if (code >= 128) return undefined;
    const cls = CLASS[code]!;
    let end: number;
    if (cls === DIGIT) {
      // `\p{N}{1,3}`: every run of one to three digits is one token of o200k_base (tested).
      end = i + 1;
      while (end < length && CLASS[text.charCodeAt(end) & 0x7f] === DIGIT && text.charCodeAt(end) < 128) end++;
      tokens += Math.ceil((end - i) / 3);
      // Lists of numbers: `, ` before a digit is two one-character pieces (`,` then ` `).
      while (end + 2 < length && text.charCodeAt(end) === 0x2c && text.charCodeAt(end + 1) === 0x20 && CLASS[text.charCodeAt(end + 2) & 0x7f] === DIGIT && text.charCodeAt(end + 2) < 128) {
        let next = end + 3;
        while (next < length && CLASS[text.charCodeAt(next) & 0x7f] === DIGIT && text.charCodeAt(next) < 128) next++;
        tokens += 2 + Math.ceil((next - end - 2) / 3);
        end = next;
      }
      i = end;
      continue;
    }
    if ((cls & LETTER) !== 0) end = wordEnd(text, i);
    // An optional prefix (anything but a newline, letter or digit) before letters.
    else if ((cls & NEWLINE) === 0 && (classAt(text, i + 1) & LETTER) !== 0) end = wordEnd(text, i + 1);
    else if (isPunctAt(text, i) || (code === 0x20 && isPunctAt(text, i + 1))) {
      // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
      end = i + 1;
      while (isPunctAt(text, end)) end++;
      while ((classAt(text, end) & NEWLINE) !== 0 || text.charCodeAt(end) === 0x2f) end++;
    } else {
      // Whitespace: `\s*[\r\n]+` ends after the run's last newline; else `\s+(?!\S)` leaves the last space to
      // the next piece when something follows; else `\s+`.
      end = i;
      let lastNewline = -1;
      for (let c = cls; (c & SPACE) !== 0; c = classAt(text, ++end)) if ((c & NEWLINE) !== 0) lastNewline = end;
      if (lastNewline >= 0) end = lastNewline + 1;
      else if (end < length && end - i > 1) end--;
    }
    // Every ASCII character is one token of o200k_base (tested).
    tokens += end - i === 1 ? 1 : chunkTokens(text, i, end);
    i = end;
  }
  return tokens;
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
