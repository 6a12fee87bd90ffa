import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, MakerError, RunDirExistsError } from '../core/errors.ts';
import { SAMPLE_RUN_CONFIG } from '../testing/durable-fixtures.ts';
import { lockRunDir, prepareRunDir, readRunConfig, removeDirectories, runPaths, writeRunConfig } from './run-dir.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-run-dir-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const config = SAMPLE_RUN_CONFIG;

describe('runPaths', () => {
  it('names the files of a run directory', () => {
    expect(runPaths('/runs/a')).toEqual({
      dir: '/runs/a',
      config: '/runs/a/config.json',
      journal: '/runs/a/journal.jsonl',
      snapshot: '/runs/a/snapshot.json',
      report: '/runs/a/report.md',
      lock: '/runs/a/lock',
    });
  });
});

describe('prepareRunDir', () => {
  const describe_ = () => 'a hanoi run at step 5';

  it('creates a missing directory, parents included, and takes an empty one', () => {
    const dir = join(root, 'a', 'b');
    prepareRunDir(dir, false, describe_);
    expect(existsSync(dir)).toBe(true);
    prepareRunDir(dir, false, describe_);
  });

  it("refuses a run directory without force, saying what it holds; clears it with force, atomic writes' temporaries included", () => {
    const dir = join(root, 'run');
    mkdirSync(dir);
    for (const name of ['config.json', 'journal.jsonl', 'snapshot.json', 'report.md', 'lock', '.snapshot.json.tmp']) writeFileSync(join(dir, name), 'x');
    expect(() => prepareRunDir(dir, false, describe_)).toThrow(RunDirExistsError);
    expect(() => prepareRunDir(dir, false, describe_)).toThrow(`Run directory ${dir} is not empty: it holds a hanoi run at step 5. Pass --force to overwrite it`);
    prepareRunDir(dir, true, describe_);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never clears a directory holding a file no run wrote, even with force, naming one', () => {
    const dir = join(root, 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'journal.jsonl'), 'x');
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(() => prepareRunDir(dir, true, describe_)).toThrow('it holds 1 file that no run wrote, such as notes.txt, so even --force will not clear it');
    writeFileSync(join(dir, 'journal.jsonl.tmp'), 'x');
    expect(() => prepareRunDir(dir, true, describe_)).toThrow(/it holds 2 files that no run wrote, such as/);
    expect(existsSync(join(dir, 'journal.jsonl'))).toBe(true);
  });
});

describe('the run config file', () => {
  it('reads back what was written, with when', () => {
    writeRunConfig(root, config, new Date(0));
    expect(readRunConfig(root)).toEqual({ ...config, createdAt: '1970-01-01T00:00:00.000Z' });
    expect(JSON.parse(readFileSync(runPaths(root).config, 'utf8'))).toMatchObject({ format: 1 });
  });

  it('reads a directory written before ensembles and endpoint files as one model from flags', () => {
    const { ensemble: _, endpointsFile: __, ...old } = config;
    writeFileSync(runPaths(root).config, JSON.stringify({ format: 1, createdAt: 'then', ...old }));
    expect(readRunConfig(root)).toMatchObject({ ensemble: null, endpointsFile: null });
  });

  it('is what makes a directory a run directory', () => {
    expect(() => readRunConfig(root)).toThrow(InputError);
    expect(() => readRunConfig(root)).toThrow(`${root} is not a run directory: it has no config.json (start one with \`maker run hanoi --run-dir ${root} ...\`)`);
  });

  it.each([
    ['{', /config\.json is not valid JSON: /],
    [JSON.stringify({ ...config, format: 2 }), /config\.json: unknown format `2`, expected 1/],
    [JSON.stringify({ ...config }), /config\.json: unknown format `undefined`, expected 1/],
    [JSON.stringify({ format: 1, task: 'hanoi', ensemble: null }), /config\.json lacks `taskOptions`, `taskFingerprint`, `model`, `k`, `seed`, `maxOutputTokens`, `contextBudget`, `maxSamplesPerStep`$/],
  ])('refuses %s as a damaged config', (text, message) => {
    writeFileSync(runPaths(root).config, text);
    expect(() => readRunConfig(root)).toThrow(MakerError);
    expect(() => readRunConfig(root)).toThrow(message);
  });
});

describe('lockRunDir', () => {
  it('holds the directory until released, refusing a second holder while this process lives', () => {
    const release = lockRunDir(root);
    expect(readFileSync(runPaths(root).lock, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => lockRunDir(root)).toThrow(`Run directory ${root} is in use by process ${process.pid}; stop that run first`);
    expect(() => lockRunDir(root)).toThrow(expect.objectContaining({ code: 'E_RUN_DIR_LOCKED' }));
    release();
    expect(existsSync(runPaths(root).lock)).toBe(false);
    lockRunDir(root)();
  });

  it('takes over a lock left by a process that is gone, or one it cannot read', () => {
    // Far above any pid the kernel hands out (pid_max is at most 2^22).
    writeFileSync(runPaths(root).lock, `${2 ** 30}\n`);
    const release = lockRunDir(root);
    expect(readFileSync(runPaths(root).lock, 'utf8')).toBe(`${process.pid}\n`);
    release();
    writeFileSync(runPaths(root).lock, 'garbage');
    lockRunDir(root)();
  });
});

describe('prepareRunDir, refusals and what it created', () => {
  const describe_ = () => 'a hanoi run at step 5';

  it('returns the directories it created, outermost first, and none for an existing or cleared one', () => {
    const dir = join(root, 'a', 'b');
    expect(prepareRunDir(dir, false, describe_)).toEqual([join(root, 'a'), dir]);
    expect(prepareRunDir(dir, false, describe_)).toEqual([]);
    writeFileSync(join(dir, 'journal.jsonl'), 'x');
    expect(prepareRunDir(dir, true, describe_)).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses an empty path, a file, a path under a file, an unusable path and one it cannot create, each saying why', () => {
    expect(() => prepareRunDir('  ', false, describe_)).toThrow(new InputError('Expected the run directory to be a path, got `  `'));
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    expect(() => prepareRunDir(file, false, describe_)).toThrow(new InputError(`Cannot use ${file} as a run directory: it is a file, not a directory`));
    const under = join(file, 'run');
    expect(() => prepareRunDir(under, false, describe_)).toThrow(new InputError(`Cannot use ${under} as a run directory: part of its path is a file, not a directory`));
    expect(() => prepareRunDir(under, false, describe_)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ENOTDIR' }) }));
    const long = join(root, 'x'.repeat(300));
    expect(() => prepareRunDir(long, false, describe_)).toThrow(new InputError(`Cannot use ${long} as a run directory: ENAMETOOLONG: name too long, stat '${long}'`));
    expect(() => prepareRunDir(long, false, describe_)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ENAMETOOLONG' }) }));
    const proc = '/proc/maker-no-such-dir/run';
    expect(() => prepareRunDir(proc, false, describe_)).toThrow(
      new InputError(`Cannot create the run directory ${proc}: ENOENT: no such file or directory, mkdir '/proc/maker-no-such-dir'; choose a directory you can write`),
    );
    expect(() => prepareRunDir(proc, false, describe_)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ENOENT' }) }));
  });

  it('does not offer --force for a directory it will never clear', () => {
    const dir = join(root, 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    expect(() => prepareRunDir(dir, false, describe_)).toThrow(
      new RunDirExistsError(dir, 'it holds 1 file that no run wrote, such as notes.txt, so even --force will not clear it; choose a new or empty directory', false),
    );
    expect(() => prepareRunDir(dir, false, describe_)).not.toThrow(/Pass --force/);
  });
});

describe('removeDirectories', () => {
  it('removes the directories a failed start created, innermost first, leaving any that are not empty', () => {
    const a = join(root, 'a');
    const b = join(a, 'b');
    const c = join(b, 'c');
    mkdirSync(c, { recursive: true });
    removeDirectories([a, b, c]);
    expect(existsSync(a)).toBe(false);
    mkdirSync(c, { recursive: true });
    writeFileSync(join(b, 'keep'), 'x');
    removeDirectories([a, b, c]);
    expect(existsSync(c)).toBe(false);
    expect(existsSync(join(b, 'keep'))).toBe(true);
    expect(() => removeDirectories([join(root, 'gone')])).not.toThrow();
  });
});

describe('readRunConfig, more', () => {
  it('says a missing directory does not exist, and names the reason one cannot be read', () => {
    const missing = join(root, 'nope');
    expect(() => readRunConfig(missing)).toThrow(new InputError(`${missing} is not a run directory: it does not exist (start one with \`maker run hanoi --run-dir ${missing} ...\`)`));
    mkdirSync(runPaths(root).config);
    expect(() => readRunConfig(root)).toThrow(new InputError(`Cannot read the run directory ${root}: EISDIR: illegal operation on a directory, read`));
    expect(() => readRunConfig(root)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'EISDIR' }) }));
  });

  it.each([
    ['{', 'E_RUN_CONFIG'],
    [JSON.stringify({ ...config, format: 2 }), 'E_RUN_CONFIG'],
    [JSON.stringify({ format: 1, task: 'hanoi' }), 'E_RUN_CONFIG'],
  ])('refuses %s with code %s', (text, code) => {
    writeFileSync(runPaths(root).config, text);
    expect(() => readRunConfig(root)).toThrow(expect.objectContaining({ code }));
  });

  it("keeps the JSON parser's error as the cause", () => {
    writeFileSync(runPaths(root).config, '{');
    expect(() => readRunConfig(root)).toThrow(expect.objectContaining({ cause: expect.any(SyntaxError) }));
  });
});

describe('lockRunDir, failures', () => {
  it('refuses a directory it cannot write, or a lock it cannot read, saying why', () => {
    const missing = join(root, 'nope');
    expect(() => lockRunDir(missing)).toThrow(
      new InputError(
        `Cannot write to the run directory ${missing}: ENOENT: no such file or directory, open '${runPaths(missing).lock}'; a run needs a directory it can write (copy it somewhere writable and resume there)`,
      ),
    );
    expect(() => lockRunDir(missing)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'ENOENT' }) }));
    mkdirSync(runPaths(root).lock);
    expect(() => lockRunDir(root)).toThrow(/^Cannot write to the run directory .*: EISDIR: illegal operation on a directory, read; a run needs/);
    expect(() => lockRunDir(root)).toThrow(expect.objectContaining({ cause: expect.objectContaining({ code: 'EISDIR' }) }));
  });

  it('treats a lock held by a live process (here pid 1) as in use', () => {
    writeFileSync(runPaths(root).lock, '1\n');
    expect(() => lockRunDir(root)).toThrow(`Run directory ${root} is in use by process 1; stop that run first (or, if that process is not a maker run, delete ${runPaths(root).lock})`);
  });

  it('releases harmlessly twice, even when the lock is already gone', () => {
    const release = lockRunDir(root);
    rmSync(runPaths(root).lock);
    expect(() => release()).not.toThrow();
  });
});
