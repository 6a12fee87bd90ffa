import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import type { ProblemOutcome } from './evaluate-set.ts';
import { openSetRunDir } from './set-run-dir.ts';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maker-set-run-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const config = { task: 'sorting', strategy: 'decomposed', k: 3, seed: 1 };
const outcome = (index: number): ProblemOutcome => ({
  index,
  id: `p${index}`,
  correct: true,
  answer: '[1,2]',
  failure: null,
  steps: 1,
  errors: 0,
  samples: 3,
  redFlags: 0,
  promptTokens: 30,
  completionTokens: 30,
  costUsd: 0.001,
  maxPromptTokens: 10,
  wallMs: 1,
});

describe('openSetRunDir', () => {
  it('records outcomes, and a second session with the same configuration gets them back', () => {
    const dir = freshDir();
    const first = openSetRunDir({ dir, config });
    expect(first.resumed).toBe(false);
    first.record(outcome(0));
    first.record(outcome(1));
    first.close();
    const second = openSetRunDir({ dir, config });
    expect(second.resumed).toBe(true);
    expect([...second.recorded.keys()]).toEqual([0, 1]);
    second.record(outcome(2));
    second.finish({ total: 3 });
    second.close();
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toEqual({ total: 3 });
    expect(openSetRunDir({ dir, config }).recorded.size).toBe(3);
  });

  it('cuts a torn last line (the process died mid-write) and appends cleanly after it', () => {
    const dir = freshDir();
    const first = openSetRunDir({ dir, config });
    first.record(outcome(0));
    first.close();
    appendFileSync(join(dir, 'outcomes.jsonl'), '{"index": 1, "id": "p1", "corr');
    const second = openSetRunDir({ dir, config });
    expect([...second.recorded.keys()]).toEqual([0]);
    second.record(outcome(1));
    second.close();
    expect([...openSetRunDir({ dir, config }).recorded.keys()]).toEqual([0, 1]);
  });

  it('refuses another set’s directory, naming what differs, unless forced', () => {
    const dir = freshDir();
    const first = openSetRunDir({ dir, config });
    first.record(outcome(0));
    first.close();
    expect(() => openSetRunDir({ dir, config: { ...config, k: 4 } })).toThrow(/differs in k.*--force/);
    const forced = openSetRunDir({ dir, config: { ...config, k: 4 }, force: true });
    expect(forced.resumed).toBe(false);
    expect(forced.recorded.size).toBe(0);
    forced.close();
  });

  it('refuses a directory holding files no set run wrote, even forced', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(() => openSetRunDir({ dir, config, force: true })).toThrow(InputError);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('refuses a directory another live process is running', () => {
    const dir = freshDir();
    const first = openSetRunDir({ dir, config });
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`);
    expect(() => openSetRunDir({ dir, config })).toThrow(/in use by process/);
    first.close();
  });
});
