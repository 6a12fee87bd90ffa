import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/** File descriptors this process has open (Linux). */
const openFds = () => readdirSync('/proc/self/fd').length;
import { syncDirectory, writeFileAtomic } from './atomic-file.ts';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'maker-atomic-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates or replaces a file with exactly the new bytes, leaving no temporary beside it', () => {
    const dir = scratch();
    const path = join(dir, 'state.json');
    writeFileAtomic(path, 'first, and longer than what replaces it');
    writeFileAtomic(path, 'second');
    expect(readFileSync(path, 'utf8')).toBe('second');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('writes bytes as given, all of them', () => {
    const path = join(scratch(), 'blob');
    const bytes = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 0xff);
    writeFileAtomic(path, bytes);
    expect(Buffer.compare(readFileSync(path), bytes)).toBe(0);
  });

  it('leaves the old content and no temporary when the replacement fails', () => {
    const dir = scratch();
    // A non-empty directory in the way: the rename over it fails, after the temporary was written.
    const path = join(dir, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'old');
    expect(() => writeFileAtomic(path, 'new')).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('old');
  });

  it('throws when the directory is missing, creating nothing', () => {
    const dir = scratch();
    expect(() => writeFileAtomic(join(dir, 'missing', 'file'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('closing what it opens', () => {
  it.runIf(existsSync('/proc/self/fd'))('leaves no file descriptor open, however many files it replaces', () => {
    const dir = scratch();
    const before = openFds();
    for (let i = 0; i < 200; i++) writeFileAtomic(join(dir, 'state.json'), `version ${i}`);
    for (let i = 0; i < 200; i++) syncDirectory(dir);
    expect(openFds() - before).toBeLessThan(20);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('version 199');
  });
});

describe('syncDirectory', () => {
  it('syncs an existing directory and throws for a missing one', () => {
    const dir = scratch();
    expect(() => syncDirectory(dir)).not.toThrow();
    expect(() => syncDirectory(join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});
