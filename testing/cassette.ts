/**
 * Cassettes: record a model's answers once, replay them offline forever. `recordingModel` passes every request
 * through to a model and appends the request and its response to a file; `replayModel` answers the same requests
 * from that file, identically, without a model, and rejects a request it has no answer for with an error that
 * names it. A test that measured a real endpoint once can then run in CI with no network and no key.
 *
 * ## File format, version 1
 *
 * JSON Lines, UTF-8. The first line is the header, every later line one answered request:
 *
 * ```
 * {"cassette":"maker-ts","version":1,"model":"openai:gpt-4.1-mini","pricing":{"inputUsdPerMillion":0.4,"outputUsdPerMillion":1.6}}
 * {"key":"<64 hex>","n":0,"request":{...},"response":{...}}
 * ```
 *
 * - `request` holds exactly what identifies a request: `messages` (each `role`, `content`, and `toolCalls` /
 *   `toolCallId` when present), `temperature`, `maxOutputTokens`, and `seed` and `tools` when present. Nothing
 *   else is stored: no API key, header, endpoint or abort signal ever reaches a `LanguageModel` request.
 * - `key` is the SHA-256, in hex, of the canonical JSON of `request` (object keys sorted, absent fields left out,
 *   no whitespace), so anyone can check it.
 * - `n` counts earlier requests with the same key, in the order the requests were made: the n-th identical request
 *   is answered by the entry with that `n` (a model asked the same thing twice may answer differently).
 * - `response` is the model's `text`, `finishReason`, `usage` (`promptTokens`, `completionTokens`), `latencyMs`,
 *   and `toolCalls` when present. A call that threw is not recorded.
 * - Lines are appended as responses arrive, so their order may vary between recordings; replay goes by `key` and
 *   `n` only. Readers must ignore fields they do not know; a change that old readers cannot ignore bumps `version`.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { abortError, InputError, MakerError } from '../core/errors.ts';
import type { ChatMessage, FinishReason, LanguageModel, ModelRequest, ModelResponse, Pricing, ToolCall, ToolSpec } from '../core/model.ts';
import { canonicalJson } from './step-under-test.ts';

/** The cassette format version this module writes and reads. */
export const CASSETTE_VERSION = 1;

/** The first line of a cassette. */
export interface CassetteHeader {
  readonly cassette: 'maker-ts';
  readonly version: number;
  /** Id of the recorded model; the replaying model takes it. */
  readonly model: string;
  readonly pricing: Pricing;
}

/** What identifies a request: the fields its key is the hash of. */
export interface CassetteRequest {
  readonly messages: readonly ChatMessage[];
  readonly temperature: number;
  readonly maxOutputTokens: number;
  readonly seed?: number;
  readonly tools?: readonly ToolSpec[];
}

/** A recorded response. */
export interface CassetteResponse {
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  readonly latencyMs: number;
  readonly toolCalls?: readonly ToolCall[];
}

/** One recorded answer. */
export interface CassetteEntry {
  readonly key: string;
  /** Earlier requests with the same key. */
  readonly n: number;
  readonly request: CassetteRequest;
  readonly response: CassetteResponse;
}

/** A request the cassette has no answer for. Code `E_CASSETTE_MISS`. */
export class CassetteMissError extends MakerError {
  readonly key: string;
  readonly file: string;

  constructor(file: string, key: string, message: string) {
    super('E_CASSETTE_MISS', message);
    this.key = key;
    this.file = file;
  }
}

/** The identifying fields of a request, in the cassette's shape. */
export function cassetteRequest(request: ModelRequest): CassetteRequest {
  const messages = request.messages.map((message): ChatMessage => ({
    role: message.role,
    content: message.content,
    ...(message.toolCalls === undefined ? {} : { toolCalls: message.toolCalls.map((call) => ({ id: call.id, name: call.name, arguments: call.arguments })) }),
    ...(message.toolCallId === undefined ? {} : { toolCallId: message.toolCallId }),
  }));
  return {
    messages,
    temperature: request.temperature,
    maxOutputTokens: request.maxOutputTokens,
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(request.tools === undefined ? {} : { tools: request.tools }),
  };
}

/** A request's cassette key: SHA-256 (hex) of the canonical JSON of {@link cassetteRequest}. */
export function requestKey(request: ModelRequest): string {
  return createHash('sha256').update(canonicalJson(cassetteRequest(request))).digest('hex');
}

function cassetteResponse(response: ModelResponse): CassetteResponse {
  return {
    text: response.text,
    finishReason: response.finishReason,
    usage: { promptTokens: response.usage.promptTokens, completionTokens: response.usage.completionTokens },
    latencyMs: response.latencyMs,
    ...(response.toolCalls === undefined ? {} : { toolCalls: response.toolCalls }),
  };
}

/** Options of {@link recordingModel}. */
export interface RecordingOptions {
  /** `overwrite` starts a new cassette; `append` adds to an existing one of the same version (or starts one). @default 'overwrite' */
  readonly mode?: 'overwrite' | 'append';
}

/** A model that records what passes through it. */
export interface RecordingModel extends LanguageModel {
  /** The cassette file. */
  readonly file: string;
  /** Entries recorded by this model so far. */
  readonly recorded: number;
}

/**
 * Wraps `model` so every request and its response are appended to the cassette `file` as they pass through.
 * The file is written synchronously, line by line, so it is complete whenever a call has returned.
 */
export function recordingModel(model: LanguageModel, file: string, options: RecordingOptions = {}): RecordingModel {
  const mode = options.mode ?? 'overwrite';
  if (mode !== 'overwrite' && mode !== 'append') throw new InputError(`Expected \`mode\` to be overwrite or append, got \`${String(mode)}\``);
  const seen = new Map<string, number>();
  if (mode === 'append' && existsSync(file)) {
    for (const entry of readCassette(file).entries) seen.set(entry.key, Math.max(seen.get(entry.key) ?? 0, entry.n + 1));
  } else {
    const header: CassetteHeader = { cassette: 'maker-ts', version: CASSETTE_VERSION, model: model.id, pricing: model.pricing };
    writeFileSync(file, `${JSON.stringify(header)}\n`);
  }
  let recorded = 0;
  return {
    id: model.id,
    pricing: model.pricing,
    file,
    get recorded() {
      return recorded;
    },
    async generate(request) {
      const stored = cassetteRequest(request);
      const key = requestKey(stored);
      // Numbered when asked, not when answered: identical requests replay in the order they were made.
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      const response = await model.generate(request);
      const entry: CassetteEntry = { key, n, request: stored, response: cassetteResponse(response) };
      appendFileSync(file, `${JSON.stringify(entry)}\n`);
      recorded += 1;
      return response;
    },
  };
}

/** A parsed cassette. */
export interface Cassette {
  readonly header: CassetteHeader;
  readonly entries: readonly CassetteEntry[];
}

/** Reads and checks a cassette; an `InputError` names the file and line of anything wrong. */
export function readCassette(file: string): Cassette {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`Cannot read the cassette \`${file}\`: ${error instanceof Error ? error.message : String(error)}; record it with recordingModel first`, { cause: error });
  }
  const lines = text.split('\n');
  const parse = (line: string, number: number): unknown => {
    try {
      return JSON.parse(line);
    } catch (error) {
      throw new InputError(`Expected line ${number} of the cassette \`${file}\` to be JSON, got \`${line.slice(0, 60)}\``, { cause: error });
    }
  };
  const header = parse(lines[0] ?? '', 1) as Partial<CassetteHeader> | null;
  if (header === null || typeof header !== 'object' || header.cassette !== 'maker-ts') {
    throw new InputError(`Expected \`${file}\` to start with a maker-ts cassette header, got \`${(lines[0] ?? '').slice(0, 60)}\``);
  }
  if (header.version !== CASSETTE_VERSION) {
    throw new InputError(`Expected the cassette \`${file}\` to be version ${CASSETTE_VERSION}, got \`${String(header.version)}\`; record it again with this version`);
  }
  const entries: CassetteEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const entry = parse(line, i + 1) as Partial<CassetteEntry> | null;
    const response = entry?.response as Partial<CassetteResponse> | undefined;
    if (
      entry === null ||
      typeof entry !== 'object' ||
      typeof entry.key !== 'string' ||
      !Number.isInteger(entry.n) ||
      typeof entry.request !== 'object' ||
      typeof response?.text !== 'string' ||
      typeof response.usage !== 'object'
    ) {
      throw new InputError(`Expected line ${i + 1} of the cassette \`${file}\` to be an entry with key, n, request and response, got \`${line.slice(0, 60)}\``);
    }
    entries.push(entry as CassetteEntry);
  }
  return { header: header as CassetteHeader, entries };
}

function describe(request: CassetteRequest): string {
  const last = request.messages.at(-1)?.content ?? '';
  const tail = last.length > 80 ? `…${last.slice(-80)}` : last;
  const seed = request.seed === undefined ? 'no seed' : `seed ${request.seed}`;
  return `(${seed}, temperature ${request.temperature}, maxOutputTokens ${request.maxOutputTokens}, last message ${JSON.stringify(tail)})`;
}

/** A model that answers from a cassette. */
export interface ReplayModel extends LanguageModel {
  readonly file: string;
  /** Requests answered so far. */
  readonly replayed: number;
}

/**
 * A model that answers from the cassette `file`, without any other model: the n-th request with a given key gets
 * the recorded response numbered n. A request it has no answer for rejects with a {@link CassetteMissError}
 * naming the request. The file is read once, here.
 */
export function replayModel(file: string): ReplayModel {
  const { header, entries } = readCassette(file);
  const answers = new Map<string, CassetteEntry>();
  const messagesSeen = new Map<string, number>();
  for (const entry of entries) {
    answers.set(`${entry.key}#${entry.n}`, entry);
    const messagesKey = canonicalJson(entry.request.messages);
    messagesSeen.set(messagesKey, (messagesSeen.get(messagesKey) ?? 0) + 1);
  }
  const asked = new Map<string, number>();
  let replayed = 0;
  return {
    id: header.model,
    pricing: header.pricing,
    file,
    get replayed() {
      return replayed;
    },
    async generate(request) {
      if (request.signal?.aborted === true) throw abortError();
      const stored = cassetteRequest(request);
      const key = requestKey(stored);
      const n = asked.get(key) ?? 0;
      asked.set(key, n + 1);
      const entry = answers.get(`${key}#${n}`);
      if (entry === undefined) {
        const same = messagesSeen.get(canonicalJson(stored.messages)) ?? 0;
        const occurrence = n === 0 ? '' : ` (asked ${n + 1} times; the cassette answers it ${n})`;
        const hint = same > 0 ? `; it has ${same} answers for the same messages with another seed, temperature or cap` : '';
        throw new CassetteMissError(
          file,
          key,
          `The cassette \`${file}\` has no answer for request ${key.slice(0, 12)} ${describe(stored)}${occurrence}${hint}; record it again with recordingModel`,
        );
      }
      replayed += 1;
      const { response } = entry;
      return {
        text: response.text,
        finishReason: response.finishReason,
        usage: { promptTokens: response.usage.promptTokens, completionTokens: response.usage.completionTokens },
        latencyMs: response.latencyMs,
        ...(response.toolCalls === undefined ? {} : { toolCalls: response.toolCalls }),
      };
    },
  };
}
