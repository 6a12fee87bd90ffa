/**
 * `--run-dir` values a new user gets wrong: each is one line on stderr and exit 2, at once, with nothing left
 * behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './testing.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'maker-run-dir-input-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const RUN = ['run', 'hanoi', '--disks', '3', '--no-progress'];

async function expectRefused(args: readonly string[], message: RegExp): Promise<void> {
  const { code, stdout, stderr } = await runCli(args);
  expect(stderr).toMatch(message);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(code).toBe(2);
  expect(stdout).toBe('');
}

describe('maker run --run-dir with a path that cannot be a run directory', () => {
  it('refuses a directory under /proc at once, as a separate process that would otherwise spin for ever', () => {
    const bin = join(import.meta.dirname, '..', 'bin', 'maker.js');
    const started = performance.now();
    const child = spawnSync(process.execPath, [bin, ...RUN, '--run-dir', '/proc/maker-test/run'], { encoding: 'utf8', timeout: 15_000, killSignal: 'SIGKILL' });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(2);
    expect(child.stderr).toMatch(/^maker: Cannot create the run directory \/proc\/maker-test\/run: ENOENT/);
    expect(child.stderr.trim().split('\n')).toHaveLength(1);
    // The process itself (tsx start-up included) takes a few seconds on a loaded machine; the refusal is immediate.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses a file, leaving it as it was', async () => {
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'mine');
    await expectRefused([...RUN, '--run-dir', file], /Cannot use .*notes\.txt as a run directory: it is a file, not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('refuses a path under a file', async () => {
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'mine');
    await expectRefused([...RUN, '--run-dir', join(file, 'run')], /Cannot use .* as a run directory: part of its path is a file, not a directory/);
  });

  it('refuses an empty path', async () => {
    await expectRefused([...RUN, '--run-dir', ''], /Expected the run directory to be a path, got ``/);
  });

  it('creates missing parents one by one, and removes those it made when one cannot be made', async () => {
    // A parent that is a directory nobody can create inside: a file stands where the next level should go.
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'b'), '');
    await expectRefused([...RUN, '--run-dir', join(root, 'a', 'b', 'c')], /part of its path is a file/);
    expect(readdirSync(join(root, 'a'))).toEqual(['b']);
    const { code } = await runCli([...RUN, '--run-dir', join(root, 'x', 'y', 'z')]);
    expect(code).toBe(0);
    expect(existsSync(join(root, 'x', 'y', 'z', 'config.json'))).toBe(true);
  });
});

describe('maker run --run-dir refused before its first step', () => {
  it('leaves no directory behind after a bad model spec, so the corrected command then runs', async () => {
    const dir = join(root, 'runs', 'h3');
    await expectRefused([...RUN, '--model', 'sim:nope', '--run-dir', dir], /Unknown model profile `nope`/);
    expect(existsSync(join(root, 'runs'))).toBe(false);
    expect((await runCli([...RUN, '--run-dir', dir])).code).toBe(0);
  });

  it('leaves an existing empty directory empty after a bad endpoints file', async () => {
    const dir = join(root, 'run');
    mkdirSync(dir);
    const endpoints = join(root, 'endpoints.json');
    writeFileSync(endpoints, '{"endpoints": [{"model": "openai:x", "baseURL": "http://127.0.0.1:1/v1", "colour": "red"}]}');
    await expectRefused([...RUN, '--endpoints', endpoints, '--run-dir', dir], /Unknown field `colour` in endpoint 1/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
