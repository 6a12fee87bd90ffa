/**
 * The run directory: where a journaled run lives, so it can outlive its process.
 *
 * | file            | what                                                                    |
 * |-----------------|-------------------------------------------------------------------------|
 * | `config.json`   | the run's configuration (`run-config.ts`), written once, no secrets       |
 * | `journal.jsonl` | one checksummed record per decided step, append-only (`journal.ts`)      |
 * | `snapshot.json` | the state, totals and journal length every N steps and at stop (`snapshot.ts`) |
 * | `report.md`     | written by `maker report`                                                 |
 * | `lock`          | the id of the process running the run, while it runs                     |
 *
 * A directory is a run directory when it holds `config.json`. A new run refuses a non-empty directory unless
 * forced, and even then only clears one whose files are all a run's.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-file.ts';
import { InputError, MakerError, RunDirExistsError } from '../core/errors.ts';
import { IDENTITY_FIELDS, type RunConfig } from './run-config.ts';

/** Paths of a run directory's files. */
export interface RunPaths {
  readonly dir: string;
  readonly config: string;
  readonly journal: string;
  readonly snapshot: string;
  readonly report: string;
  readonly lock: string;
}

const NAMES = { config: 'config.json', journal: 'journal.jsonl', snapshot: 'snapshot.json', report: 'report.md', lock: 'lock' } as const;

/** The files of the run directory `dir`. */
export function runPaths(dir: string): RunPaths {
  return {
    dir,
    config: join(dir, NAMES.config),
    journal: join(dir, NAMES.journal),
    snapshot: join(dir, NAMES.snapshot),
    report: join(dir, NAMES.report),
    lock: join(dir, NAMES.lock),
  };
}

/** True for a file a run directory holds (temporaries of atomic writes included). */
function isRunFile(name: string): boolean {
  return (Object.values(NAMES) as string[]).some((known) => name === known || name === `.${known}.tmp`);
}

/** The message of a failed file-system call (`EACCES: permission denied, open 'x'`). */
function systemMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `stat` of a path, undefined when nothing is there; a path that cannot be looked at is an `InputError`. */
function statOf(path: string, dir: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') throw new InputError(`Cannot use ${dir} as a run directory: part of its path is a file, not a directory`, { cause: error });
    throw new InputError(`Cannot use ${dir} as a run directory: ${systemMessage(error)}`, { cause: error });
  }
}

/**
 * Creates `dir` and any missing parents, one level at a time, and returns the directories it created (outermost
 * first). Not `mkdirSync`'s recursive mode: on Node 20 that loops for ever, deaf to Ctrl-C, under `/proc`.
 */
function makeDirectories(dir: string): string[] {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const stat = statOf(at, dir);
    if (stat !== undefined) {
      if (!stat.isDirectory()) throw new InputError(`Cannot use ${dir} as a run directory: ${at} is a file, not a directory`);
      break;
    }
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  const created: string[] = [];
  for (const path of missing) {
    try {
      mkdirSync(path);
      created.push(path);
    } catch (error) {
      removeDirectories(created);
      throw new InputError(`Cannot create the run directory ${dir}: ${systemMessage(error)}; choose a directory you can write`, { cause: error });
    }
  }
  return created;
}

/** Removes directories {@link prepareRunDir} created (when they are still empty), innermost first. */
export function removeDirectories(created: readonly string[]): void {
  for (const path of [...created].reverse()) {
    try {
      rmdirSync(path);
    } catch {
      // Not empty or already gone: leave it.
    }
  }
}

/**
 * Makes `dir` ready for a new run: creates it, or uses it if empty, and returns the directories it created
 * (outermost first), so a start that fails can remove them. A path that is a file, lies under a file, or cannot
 * be created or read is an `InputError`. A non-empty directory is refused with `RunDirExistsError`; with `force`,
 * a run directory (every file a run's) is cleared, anything else still refused. `describe` names what the
 * directory holds, for the message (`a hanoi run at step 512`).
 */
export function prepareRunDir(dir: string, force: boolean, describe: (paths: RunPaths) => string): string[] {
  if (dir.trim() === '') throw new InputError(`Expected the run directory to be a path, got \`${dir}\``);
  const stat = statOf(dir, dir);
  if (stat === undefined) return makeDirectories(dir);
  if (!stat.isDirectory()) throw new InputError(`Cannot use ${dir} as a run directory: it is a file, not a directory`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    throw new InputError(`Cannot use ${dir} as a run directory: ${systemMessage(error)}`, { cause: error });
  }
  if (names.length === 0) return [];
  const foreign = names.filter((name) => !isRunFile(name));
  if (foreign.length > 0) {
    throw new RunDirExistsError(
      dir,
      `it holds ${foreign.length} file${foreign.length === 1 ? '' : 's'} that no run wrote, such as ${foreign[0]}, so even --force will not clear it; choose a new or empty directory`,
      false,
    );
  }
  if (!force) throw new RunDirExistsError(dir, `it holds ${describe(runPaths(dir))}`);
  for (const name of names) rmSync(join(dir, name), { force: true });
  return [];
}

/** The config file's JSON: the configuration plus when it was written. */
interface ConfigFile extends RunConfig {
  readonly format: 1;
  readonly createdAt: string;
}

/** Writes `config.json` (atomically) for a new run. */
export function writeRunConfig(dir: string, config: RunConfig, createdAt = new Date()): void {
  const file: ConfigFile = { format: 1, createdAt: createdAt.toISOString(), ...config };
  writeFileAtomic(runPaths(dir).config, `${JSON.stringify(file, null, 2)}\n`);
}

/**
 * Reads `config.json`; a directory without one is not a run directory, and one that cannot be read is named
 * with the system's reason (both `InputError`s).
 */
export function readRunConfig(dir: string): RunConfig & { readonly createdAt: string } {
  const path = runPaths(dir).config;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputError(`Cannot read the run directory ${dir}: ${systemMessage(error)}`, { cause: error });
    const what = existsSync(dir) ? `it has no ${NAMES.config}` : 'it does not exist';
    throw new InputError(`${dir} is not a run directory: ${what} (start one with \`maker run hanoi --run-dir ${dir} ...\`)`);
  }
  let file: Partial<ConfigFile>;
  try {
    file = JSON.parse(text) as Partial<ConfigFile>;
  } catch (error) {
    throw new MakerError('E_RUN_CONFIG', `${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (file.format !== 1) throw new MakerError('E_RUN_CONFIG', `${path}: unknown format \`${String(file.format)}\`, expected 1`);
  const missing = IDENTITY_FIELDS.filter((field) => file[field] === undefined && field !== 'ensemble');
  if (missing.length > 0) throw new MakerError('E_RUN_CONFIG', `${path} lacks ${missing.map((field) => `\`${field}\``).join(', ')}`);
  const { format: _format, ...config } = file as ConfigFile;
  // Directories written before these fields existed ran one model from flags.
  return { ...config, ensemble: config.ensemble ?? null, endpointsFile: config.endpointsFile ?? null };
}

/** Whether a process with this id is alive on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the run directory's lock, so two processes never append to one journal. A lock left by a process that
 * died (SIGKILL, a reboot) is taken over. Returns the function that releases it.
 */
export function lockRunDir(dir: string): () => void {
  const path = runPaths(dir).lock;
  // The first write to the directory: a read-only mount or a full disk is refused here, before anything else.
  const unwritable = (error: unknown) =>
    new InputError(`Cannot write to the run directory ${dir}: ${systemMessage(error)}; a run needs a directory it can write (copy it somewhere writable and resume there)`, {
      cause: error,
    });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unwritable(error);
      let holder: number;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch (readError) {
        throw unwritable(readError);
      }
      if (Number.isInteger(holder) && alive(holder)) {
        throw new InputError(
          `Run directory ${dir} is in use by process ${holder}; stop that run first (or, if that process is not a maker run, delete ${path})`,
          undefined,
          'E_RUN_DIR_LOCKED',
        );
      }
      try {
        rmSync(path, { force: true });
      } catch (removeError) {
        throw unwritable(removeError);
      }
    }
  }
  throw new InputError(`Could not lock run directory ${dir}`, undefined, 'E_RUN_DIR_LOCKED');
}
