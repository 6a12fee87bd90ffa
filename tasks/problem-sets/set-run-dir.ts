/**
 * A run directory for a set of problems, so a long evaluation (fifty 500-element lists) outlives its process.
 * Durable at problem granularity: each finished problem's outcome is appended (and fsynced) as one JSON line;
 * running the same command with the same directory again skips the recorded problems and runs the rest. Since
 * every problem's run is reproducible from the set seed and its index, the resumed set ends with the answers and
 * totals an uninterrupted one would have (wall time aside).
 *
 * | file             | what                                                               |
 * |------------------|--------------------------------------------------------------------|
 * | `set-run.json`   | the set's configuration, written once; a resume must match it       |
 * | `outcomes.jsonl` | one line per finished problem, append-only                          |
 * | `summary.json`   | the set's summary, written when it ends                             |
 * | `lock`           | the id of the process running the set, while it runs                |
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { InputError, MakerError } from '../../core/errors.ts';
import { writeFileAtomic } from '../../durable/atomic-file.ts';
import { lockRunDir } from '../../durable/run-dir.ts';
import type { ProblemOutcome } from './evaluate-set.ts';

/** The files of a set run directory. */
export const SET_RUN_FILES = { config: 'set-run.json', outcomes: 'outcomes.jsonl', summary: 'summary.json', lock: 'lock' } as const;

/** A set's configuration: JSON, compared field by field on resume (task, strategy, source, model, k, seed, ...). */
export type SetRunConfig = Readonly<Record<string, unknown>>;

/** Options of {@link openSetRunDir}. */
export interface SetRunDirOptions {
  readonly dir: string;
  readonly config: SetRunConfig;
  /** Start over in a directory holding another set's run (only a set run's own files are ever removed). @default false */
  readonly force?: boolean;
}

/** An open set run directory. */
export interface SetRunDir {
  readonly dir: string;
  /** Outcomes recorded by earlier sessions, by problem index. */
  readonly recorded: ReadonlyMap<number, ProblemOutcome>;
  /** Whether an earlier session had started this set. */
  readonly resumed: boolean;
  /** Appends one finished problem's outcome, durably. */
  record(outcome: ProblemOutcome): void;
  /** Writes the set's summary. */
  finish(summary: unknown): void;
  /** Releases the lock and closes the outcomes file. */
  close(): void;
}

interface ConfigFile {
  readonly format: 'maker-set-run/1';
  readonly createdAt: string;
  readonly config: SetRunConfig;
}

const OWN_FILES = new Set<string>(Object.values(SET_RUN_FILES).flatMap((name) => [name, `.${name}.tmp`]));

function readConfig(path: string): ConfigFile {
  let file: Partial<ConfigFile>;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Partial<ConfigFile>;
  } catch (error) {
    throw new MakerError('E_RUN_CONFIG', `${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (file.format !== 'maker-set-run/1' || typeof file.config !== 'object' || file.config === null) {
    throw new MakerError('E_RUN_CONFIG', `${path}: not a set run's configuration (format \`${String(file.format)}\`)`);
  }
  return file as ConfigFile;
}

/** The outcomes a file holds; a torn last line (no newline: the process died mid-write) is cut off. */
function readOutcomes(path: string): Map<number, ProblemOutcome> {
  const recorded = new Map<number, ProblemOutcome>();
  if (!existsSync(path)) return recorded;
  const text = readFileSync(path, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
  for (const [line, raw] of text.slice(0, end).split('\n').entries()) {
    if (raw === '') continue;
    let outcome: ProblemOutcome;
    try {
      outcome = JSON.parse(raw) as ProblemOutcome;
    } catch {
      throw new MakerError('E_RUN_DAMAGED', `${path}:${line + 1} is damaged (not JSON); start over with --force or a new directory`);
    }
    if (!Number.isInteger(outcome.index)) throw new MakerError('E_RUN_DAMAGED', `${path}:${line + 1} has no problem index; start over with --force or a new directory`);
    recorded.set(outcome.index, outcome);
  }
  return recorded;
}

/** The fields in which two configurations differ. */
function differences(stored: SetRunConfig, current: SetRunConfig): string[] {
  const keys = new Set([...Object.keys(stored), ...Object.keys(current)]);
  return [...keys].filter((key) => !isDeepStrictEqual(stored[key], current[key])).sort();
}

/**
 * Opens `dir` for a set run: a new or empty directory starts one; a directory holding the same set's run resumes
 * it; one holding another set's run is refused unless `force` (then cleared); anything else is refused.
 */
export function openSetRunDir(options: SetRunDirOptions): SetRunDir {
  const { dir, config } = options;
  const paths = { config: join(dir, SET_RUN_FILES.config), outcomes: join(dir, SET_RUN_FILES.outcomes), summary: join(dir, SET_RUN_FILES.summary) };
  let resumed = false;
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const names = readdirSync(dir);
  const foreign = names.filter((name) => !OWN_FILES.has(name));
  if (foreign.length > 0) {
    throw new InputError(`Cannot use ${dir} as a set run directory: it holds ${foreign.length} file${foreign.length === 1 ? '' : 's'} no set run wrote, such as ${foreign[0]}; choose a new or empty directory`);
  }
  if (names.length > 0) {
    const stored = existsSync(paths.config) ? readConfig(paths.config).config : undefined;
    const changed = stored === undefined ? ['(no configuration)'] : differences(stored, config);
    if (changed.length === 0) {
      resumed = true;
    } else if (options.force === true) {
      for (const name of names) rmSync(join(dir, name), { force: true });
    } else {
      throw new InputError(`${dir} holds another set's run (it differs in ${changed.join(', ')}); add --force to start over there, or choose a new directory`);
    }
  }
  const release = lockRunDir(dir);
  let fd: number | undefined;
  try {
    if (!resumed) {
      const file: ConfigFile = { format: 'maker-set-run/1', createdAt: new Date().toISOString(), config };
      writeFileAtomic(paths.config, `${JSON.stringify(file, null, 2)}\n`);
    }
    const recorded = resumed ? readOutcomes(paths.outcomes) : new Map<number, ProblemOutcome>();
    fd = openSync(paths.outcomes, 'a');
    const out = fd;
    return {
      dir,
      recorded,
      resumed,
      record(outcome) {
        const bytes = Buffer.from(`${JSON.stringify(outcome)}\n`);
        for (let written = 0; written < bytes.length; ) written += writeSync(out, bytes, written, bytes.length - written);
        fsyncSync(out);
      },
      finish(summary) {
        writeFileAtomic(paths.summary, `${JSON.stringify(summary, null, 2)}\n`);
      },
      close() {
        closeSync(out);
        release();
      },
    };
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    release();
    throw error;
  }
}
