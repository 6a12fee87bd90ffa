/**
 * One error hierarchy: every error the library throws on purpose is a `MakerError` with a string `code`.
 * The CLI maps `InputError` to exit code 2 and everything else to 1.
 */
export class MakerError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input from a caller or a command line: a flag, an option, a file. Exit code 2. */
export class InputError extends MakerError {
  constructor(message: string, options?: { cause?: unknown }, code = 'E_INPUT') {
    super(code, message, options);
  }
}

/** A prompt that does not fit the context budget `M`. */
export class ContextBudgetError extends MakerError {
  readonly step: number;
  readonly tokens: number;
  readonly budget: number;

  constructor(step: number, tokens: number, budget: number) {
    super(
      'E_CONTEXT_BUDGET',
      `Prompt for step ${step} has ${tokens} tokens, over the context budget of ${budget}; raise --context-budget or shorten the prompt`,
    );
    this.step = step;
    this.tokens = tokens;
    this.budget = budget;
  }
}

/** Red flags seen while voting on one step, by rule name. */
export type RedFlagCounts = Readonly<Record<string, number>>;

/** A step that hit its sample cap without a decision. Carries the tally it saw. */
export class StepExhaustedError extends MakerError {
  readonly step: number;
  readonly tally: ReadonlyMap<string, number>;
  readonly redFlags: RedFlagCounts;
  readonly samples: number;

  constructor(step: number, samples: number, tally: ReadonlyMap<string, number>, redFlags: RedFlagCounts) {
    const votes = [...tally.entries()].map(([key, n]) => `${n}x ${key}`).join('; ') || 'no valid votes';
    super('E_STEP_EXHAUSTED', `Step ${step} undecided after ${samples} samples (${votes}); raise the sample cap or lower k`);
    this.step = step;
    this.tally = tally;
    this.redFlags = redFlags;
    this.samples = samples;
  }
}

/** A model call that failed in a way retrying cannot fix (bad key, unknown model, bad request). */
export class ModelCallError extends MakerError {
  readonly status: number | undefined;
  readonly endpoint: string;

  constructor(endpoint: string, status: number | undefined, message: string, options?: { cause?: unknown }) {
    super('E_MODEL_CALL', `${endpoint}: ${status === undefined ? '' : `HTTP ${status}: `}${message}`, options);
    this.status = status;
    this.endpoint = endpoint;
  }
}

/** True for the error a backend rejects with when its request's signal aborts. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError');
}

/** The error backends reject with when their signal aborts. */
export function abortError(): Error {
  const error = new Error('The call was aborted');
  error.name = 'AbortError';
  return error;
}

/**
 * Kinds of model-call failure a retry may fix. `rate-limit` (429), `server-error` (5xx), `request-timeout`
 * (408) and `conflict` (409) come from the status; `timeout` is the per-request timer (or the client's) firing;
 * `connection` a connection refused or dropped before a response; `truncated` a body cut short; `invalid-json`
 * a body that does not parse; `empty-choices` a completion with no choices.
 */
export type TransientFault =
  | 'rate-limit'
  | 'server-error'
  | 'request-timeout'
  | 'conflict'
  | 'timeout'
  | 'connection'
  | 'truncated'
  | 'invalid-json'
  | 'empty-choices';

/**
 * A model call that failed in a way a retry may fix. The dispatcher retries it with backoff; it never reaches
 * the sampler as a vote. `retryAfterMs` is what the server asked for (`retry-after-ms` / `retry-after`).
 */
export class TransientModelError extends MakerError {
  readonly fault: TransientFault;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  /** Usage the server reported despite the failure (an empty completion still bills its prompt). */
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number } | undefined;

  constructor(
    endpoint: string,
    fault: TransientFault,
    message: string,
    details: { status?: number | undefined; retryAfterMs?: number | undefined; usage?: TransientModelError['usage']; cause?: unknown } = {},
  ) {
    super('E_MODEL_TRANSIENT', `${endpoint}: ${details.status === undefined ? '' : `HTTP ${details.status}: `}${fault}: ${message}`, { cause: details.cause });
    this.fault = fault;
    this.endpoint = endpoint;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.usage = details.usage;
  }
}

/**
 * A call that kept failing with transient faults until its retries ran out, or until no call had been answered
 * for the dispatcher's `giveUpAfterMs` (then `silentForMs` says how long). Carries every attempt's error.
 */
export class RetriesExhaustedError extends MakerError {
  readonly errors: readonly TransientModelError[];
  readonly lastError: TransientModelError;
  /** How long no call had been answered when the call gave up; undefined when its retries ran out. */
  readonly silentForMs: number | undefined;

  constructor(errors: readonly TransientModelError[], details: { silentForMs?: number; failedAttempts?: number } = {}) {
    const lastError = errors.at(-1)!;
    const attempts = (n: number) => `${n} ${n === 1 ? 'attempt' : 'attempts'}`;
    const what =
      details.silentForMs === undefined
        ? `Gave up after ${attempts(errors.length)}`
        : `Gave up after ${Math.round(details.silentForMs / 1000)} s with no answer (${details.failedAttempts ?? errors.length} failed ${(details.failedAttempts ?? errors.length) === 1 ? 'attempt' : 'attempts'})`;
    super('E_RETRIES_EXHAUSTED', `${what}; last: ${lastError.message}`, { cause: lastError });
    this.errors = errors;
    this.lastError = lastError;
    this.silentForMs = details.silentForMs;
  }
}

/** The budgets a run can be capped by. */
export type BudgetName = 'calls' | 'tokens' | 'dollars' | 'seconds';

/**
 * The dispatcher refused a call because a budget is spent. The scheduler turns it into a clean stop with
 * `stopReason: 'budget: <name>'`; it is an error only to callers that dispatch outside a run.
 */
export class BudgetExhaustedError extends MakerError {
  readonly budget: BudgetName;
  readonly spent: number;
  readonly limit: number;

  constructor(budget: BudgetName, spent: number, limit: number) {
    super('E_BUDGET', `The ${budget} budget is spent (${spent} of ${limit}); the run stops here`);
    this.budget = budget;
    this.spent = spent;
    this.limit = limit;
  }
}

/**
 * A run directory that already holds files, refused without `force` so no run is overwritten by mistake.
 * `forceHelps` is false for a directory that even `force` will not clear (it holds files no run wrote); the
 * message then does not suggest it.
 */
export class RunDirExistsError extends InputError {
  readonly dir: string;

  constructor(dir: string, detail: string, forceHelps = true) {
    super(`Run directory ${dir} is not empty: ${detail}${forceHelps ? '. Pass --force to overwrite it' : ''}`, undefined, 'E_RUN_DIR_EXISTS');
    this.dir = dir;
  }
}

/** A resume whose task or configuration differs from the one the run directory was started with. */
export class RunConfigMismatchError extends InputError {
  readonly dir: string;
  /** One entry per differing field: `k: 3 in the run directory, 5 now`. */
  readonly differences: readonly string[];

  constructor(dir: string, differences: readonly string[]) {
    super(`Run directory ${dir} holds a different run: ${differences.join('; ')}`, undefined, 'E_RUN_CONFIG_MISMATCH');
    this.dir = dir;
    this.differences = differences;
  }
}

/**
 * A damaged journal or snapshot: a record that fails its checksum or is out of sequence anywhere but at the
 * very end (a torn last record is expected after a crash and tolerated). Names the file, line and byte offset.
 */
export class JournalCorruptError extends MakerError {
  readonly file: string;
  /** 1-based line number, when the damage is in a line. */
  readonly line: number | undefined;
  /** Byte offset of the damaged line or region. */
  readonly offset: number;

  constructor(file: string, line: number | undefined, offset: number, problem: string) {
    super('E_JOURNAL_CORRUPT', `${file}${line === undefined ? '' : `, line ${line}`} (byte ${offset}): ${problem}`);
    this.file = file;
    this.line = line;
    this.offset = offset;
  }
}
