/**
 * The endpoints file (`maker run ... --endpoints FILE`): a pool of OpenAI-compatible endpoints, or simulated
 * models, with weights, limits and quirks, and whether samples are dealt across them as an ensemble.
 *
 * ```json
 * {
 *   "ensemble": false,
 *   "endpoints": [
 *     { "model": "openai:gpt-4.1-mini", "baseURL": "https://api.openai.com/v1", "apiKeyEnv": "OPENAI_API_KEY",
 *       "weight": 3, "requestsPerMinute": 500, "tokensPerMinute": 200000, "timeoutMs": 60000 },
 *     { "name": "backup", "model": "openai:gpt-4.1-mini", "baseURL": "http://127.0.0.1:8000/v1",
 *       "omitTemperature": false, "useMaxCompletionTokens": true,
 *       "pricing": { "inputUsdPerMillion": 0.4, "outputUsdPerMillion": 1.6 } }
 *   ]
 * }
 * ```
 *
 * Keys never live in the file: `apiKeyEnv` names the environment variable that holds one. A file that carries
 * a key itself is refused, so it cannot leak into run directories, logs or version control.
 */
import { isEndpointSpec } from '../models/model-spec.ts';
import { InputError } from '../core/errors.ts';
import type { EndpointOptions } from './endpoint-pool.ts';
import type { ModelContext } from '../models/model-spec.ts';
import { createModel } from '../models/model-spec.ts';
import { endpointName, parseBaseURL } from '../models/openai-model.ts';
import { findProfile } from '../models/profiles.ts';

/** The parsed file. */
export interface EndpointsConfig {
  readonly ensemble: boolean;
  readonly endpoints: readonly EndpointOptions[];
  /**
   * Names of the endpoints with no known price: an `openai:` model without `pricing` whose name is not a profile's.
   * Their calls cost $0 in every total, so a dollar budget cannot be enforced on them.
   */
  readonly unpriced: readonly string[];
}

const ENDPOINT_FIELDS = new Set([
  'name',
  'model',
  'baseURL',
  'apiKeyEnv',
  'weight',
  'group',
  'requestsPerMinute',
  'tokensPerMinute',
  'concurrency',
  'timeoutMs',
  'omitTemperature',
  'useMaxCompletionTokens',
  'sendSeed',
  'pricing',
]);

/** Per-request timeout the CLI gives an HTTP endpoint that sets none, in milliseconds. */
export const DEFAULT_HTTP_TIMEOUT_MS = 120_000;

/**
 * Builds endpoints from the file's JSON text. `env` supplies keys by variable name; `context` builds simulated
 * models and defaults. An endpoint without `timeoutMs` gets the dispatcher's. Every problem is an `InputError`
 * naming the entry and quoting the value.
 */
export function parseEndpointsConfig(text: string, env: Readonly<Record<string, string | undefined>>, context: ModelContext): EndpointsConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(`Expected the endpoints file to be JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { endpoints?: unknown }).endpoints)) {
    throw new InputError('Expected the endpoints file to be an object with an `endpoints` array');
  }
  const root = json as { ensemble?: unknown; endpoints: unknown[] };
  if (root.ensemble !== undefined && typeof root.ensemble !== 'boolean') throw new InputError(`Expected \`ensemble\` to be true or false, got \`${JSON.stringify(root.ensemble)}\``);
  if (root.endpoints.length === 0) throw new InputError('Expected the endpoints file to list at least one endpoint, got none');
  const entries = root.endpoints.map((entry, index) => endpointFrom(entry, index, env, context));
  return {
    ensemble: root.ensemble ?? false,
    endpoints: entries.map(({ endpoint }) => endpoint),
    unpriced: entries.filter(({ priced }) => !priced).map(({ endpoint }) => endpoint.name!),
  };
}

function endpointFrom(
  entry: unknown,
  index: number,
  env: Readonly<Record<string, string | undefined>>,
  context: ModelContext,
): { endpoint: EndpointOptions; priced: boolean } {
  const where = `endpoint ${index + 1}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new InputError(`Expected ${where} to be an object, got \`${JSON.stringify(entry)}\``);
  const fields = entry as Record<string, unknown>;
  if ('apiKey' in fields || 'key' in fields) {
    throw new InputError(`Refusing a key in the endpoints file (${where}): put it in an environment variable and name that in \`apiKeyEnv\``);
  }
  for (const name of Object.keys(fields)) {
    if (!ENDPOINT_FIELDS.has(name)) throw new InputError(`Unknown field \`${name}\` in ${where}; known: ${[...ENDPOINT_FIELDS].join(', ')}`);
  }
  const string = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw new InputError(`Expected \`${name}\` of ${where} to be a non-empty string, got \`${JSON.stringify(value)}\``);
    return value;
  };
  const number = (name: string): number | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(`Expected \`${name}\` of ${where} to be a number, got \`${typeof value === 'number' ? String(value) : JSON.stringify(value)}\``);
    return value;
  };
  const boolean = (name: string): boolean | undefined => {
    const value = fields[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw new InputError(`Expected \`${name}\` of ${where} to be true or false, got \`${JSON.stringify(value)}\``);
    return value;
  };
  const spec = string('model');
  if (spec === undefined) throw new InputError(`Expected ${where} to name its \`model\` (\`openai:NAME\` or \`sim:PROFILE\`)`);
  const baseURL = string('baseURL');
  if (baseURL !== undefined) parseBaseURL(baseURL, `\`baseURL\` of ${where}`);
  const namedKeyEnv = string('apiKeyEnv');
  const apiKeyEnv = namedKeyEnv ?? 'OPENAI_API_KEY';
  // A variable the file names on purpose but that is unset is a mistake; without one a local server needs no key.
  if (namedKeyEnv !== undefined && spec.startsWith('openai:') && (env[namedKeyEnv] ?? '') === '') {
    throw new InputError(
      `Expected the environment variable ${namedKeyEnv} (\`apiKeyEnv\` of ${where}) to hold the API key, but it is not set; set it, or leave \`apiKeyEnv\` out for a server that needs no key`,
    );
  }
  const pricing = fields['pricing'];
  if (
    pricing !== undefined &&
    (typeof pricing !== 'object' ||
      pricing === null ||
      typeof (pricing as Record<string, unknown>)['inputUsdPerMillion'] !== 'number' ||
      typeof (pricing as Record<string, unknown>)['outputUsdPerMillion'] !== 'number')
  ) {
    throw new InputError(`Expected \`pricing\` of ${where} to be { "inputUsdPerMillion": number, "outputUsdPerMillion": number }, got \`${JSON.stringify(pricing)}\``);
  }
  const timeoutMs = number('timeoutMs');
  const openai = {
    ...(boolean('omitTemperature') === undefined ? {} : { omitTemperature: boolean('omitTemperature')! }),
    ...(boolean('useMaxCompletionTokens') === undefined ? {} : { useMaxCompletionTokens: boolean('useMaxCompletionTokens')! }),
    ...(boolean('sendSeed') === undefined ? {} : { sendSeed: boolean('sendSeed')! }),
    ...(pricing === undefined ? {} : { pricing: pricing as { inputUsdPerMillion: number; outputUsdPerMillion: number } }),
    // The client's own timeout is a backstop behind the dispatcher's.
    ...(timeoutMs === undefined || timeoutMs === 0 ? {} : { timeoutMs: timeoutMs + 5_000 }),
  };
  const key = env[apiKeyEnv];
  const { timeoutMs: callerBackstopMs, ...callerQuirks } = context.openai ?? {};
  const model = createModel(spec, {
    ...context,
    ...(baseURL === undefined ? {} : { baseURL }),
    ...(key === undefined ? {} : { apiKey: key }),
    // The caller's settings (`--omit-temperature`, `--max-completion-tokens`, the client's backstop behind
    // `--timeout-ms`) hold for every endpoint, and what the file says of one endpoint overrides them; an endpoint
    // with no timeout (0) has no backstop of the caller's either.
    openai: { ...callerQuirks, ...(callerBackstopMs === undefined || timeoutMs === 0 ? {} : { timeoutMs: callerBackstopMs }), ...openai },
  });
  const isHttp = isEndpointSpec(spec);
  const name = string('name') ?? (isHttp ? `${spec}@${endpointName(baseURL ?? context.baseURL ?? 'https://api.openai.com/v1')}` : spec);
  const endpoint: EndpointOptions = {
    model,
    name,
    ...(string('group') === undefined ? {} : { group: string('group')! }),
    ...(number('weight') === undefined ? {} : { weight: number('weight')! }),
    ...(number('requestsPerMinute') === undefined ? {} : { requestsPerMinute: number('requestsPerMinute')! }),
    ...(number('tokensPerMinute') === undefined ? {} : { tokensPerMinute: number('tokensPerMinute')! }),
    ...(number('concurrency') === undefined ? {} : { concurrency: number('concurrency')! }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
  return { endpoint, priced: !isHttp || pricing !== undefined || findProfile(spec.slice('openai:'.length)) !== undefined };
}
