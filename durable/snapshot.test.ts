import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JournalCorruptError } from '../core/errors.ts';
import { emptyTotals } from '../run/run-task.ts';
import { frameLine } from './framed-line.ts';
import { readSnapshot, writeSnapshot, type Snapshot } from './snapshot.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maker-snapshot-'));
  path = join(dir, 'snapshot');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const snapshot: Snapshot<{ pegs: number[][] }> = {
  step: 7,
  journalBytes: 1234,
  state: { pegs: [[3], [2, 1], []] },
  totals: { ...emptyTotals(), steps: 7, samples: 30, samplesPerStep: { 3: 5, 7: 2 } },
  wallMs: 12.5,
  spent: { calls: 30, tokens: 9000, dollars: 0.25, seconds: 1.5 },
  status: { kind: 'stopped', reason: 'interrupted' },
};

describe('snapshots', () => {
  it('read back exactly what was written, and nothing when there is none', () => {
    expect(readSnapshot(path)).toBeUndefined();
    writeSnapshot(path, snapshot);
    expect(readSnapshot(path)).toEqual(snapshot);
  });

  it('refuse a damaged file, naming it', () => {
    writeSnapshot(path, snapshot);
    const data = readFileSync(path);
    data[5] = data[5]! ^ 1;
    writeFileSync(path, data);
    expect(() => readSnapshot(path)).toThrow(JournalCorruptError);
    expect(() => readSnapshot(path)).toThrow(`${path}, line 1 (byte 0): the snapshot is damaged: `);
  });

  it('refuse a format they do not know', () => {
    writeFileSync(path, frameLine(JSON.stringify({ ...snapshot, format: 2 })));
    expect(() => readSnapshot(path)).toThrow('unknown snapshot format `2`, expected 1');
    writeFileSync(path, frameLine(JSON.stringify(snapshot)));
    expect(() => readSnapshot(path)).toThrow('unknown snapshot format `undefined`, expected 1');
  });

  it.each([
    ['step', { step: 1.5 }],
    ['step', { step: undefined }],
    ['journalBytes', { journalBytes: '12' }],
    ['totals', { totals: 'none' }],
    ['wallMs', { wallMs: '1' }],
    ['status', { status: {} }],
    ['status', { status: undefined }],
  ])('refuse a snapshot whose %s is missing or malformed', (_field, change) => {
    writeFileSync(path, frameLine(JSON.stringify({ format: 1, ...snapshot, ...change })));
    expect(() => readSnapshot(path)).toThrow('the snapshot lacks a field');
  });

  it('refuse a snapshot without a state', () => {
    const { state: _, ...stateless } = snapshot;
    writeFileSync(path, frameLine(JSON.stringify({ format: 1, ...stateless })));
    expect(() => readSnapshot(path)).toThrow('the snapshot lacks a field');
  });
});
