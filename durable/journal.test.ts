import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { JournalCorruptError } from '../core/errors.ts';
import { openJournalWriter, scanJournal } from './journal.ts';
import { addRecord, encodeStep, type JournalRecord } from './journal-record.ts';
import { emptyTotals, runTask, type RunTotals } from '../run/run-task.ts';
import { createSimModel } from '../models/sim-model.ts';

/** Record texts and final totals of a real run: a noisy model, so tallies, red flags and misses all occur. */
async function recordedRun(disks: number): Promise<{ texts: string[]; totals: RunTotals }> {
  const task = createHanoiTask({ disks });
  const model = createSimModel({ profile: 'gpt-4.1-nano', behaviour: hanoiSim, seed: 4 });
  const texts: string[] = [];
  const result = await runTask({ task, model, k: 2, seed: 4, maxSamplesPerStep: 1000, onStep: (event) => texts.push(encodeStep(event)) });
  return { texts, totals: result.totals };
}

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'maker-journal-'));
  path = join(dir, 'journal.jsonl');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(texts: readonly string[], validBytes = 0): void {
  const writer = openJournalWriter({ path, validBytes });
  for (const text of texts) writer.append(text);
  writer.close();
}

function readAll(from?: { offset: number; step: number }): { records: JournalRecord[]; scan: ReturnType<typeof scanJournal> } {
  const records: JournalRecord[] = [];
  const scan = scanJournal(path, { ...(from === undefined ? {} : { from }), onRecord: (record) => records.push(record) });
  return { records, scan };
}

/** Journal length after the first `count` records. */
function offsetAfter(texts: readonly string[], count: number): number {
  return texts.slice(0, count).reduce((sum, text) => sum + Buffer.byteLength(text) + 10, 0);
}

/** Byte offset where record `index` starts in `data` (by default, the journal as it is now). */
function offsetOf(index: number, data: Buffer = readFileSync(path)): number {
  let offset = 0;
  for (let i = 0; i < index; i++) offset = data.indexOf(0x0a, offset) + 1;
  return offset;
}

describe('the run journal', () => {
  it('reads back every record, and rebuilds the live totals exactly from them', async () => {
    const { texts, totals } = await recordedRun(5);
    write(texts);
    const { records, scan } = readAll();
    expect(scan).toEqual({ records: texts.length, validBytes: statSync(path).size, tornTail: undefined });
    expect(records.map((record) => record.step)).toEqual(texts.map((_, i) => i));
    const rebuilt = emptyTotals();
    for (const record of records) addRecord(rebuilt, record);
    expect(rebuilt).toEqual(totals);
    expect(totals.redFlags + totals.errors).toBeGreaterThan(0);
  });

  it('keeps records compact: under 200 bytes a step for 10-disk Hanoi, key and value included', async () => {
    const task = createHanoiTask({ disks: 10 });
    const model = createSimModel({ behaviour: hanoiSim, seed: 1 });
    let bytes = 0;
    await runTask({ task, model, seed: 1, maxSteps: 200, onStep: (event) => (bytes += Buffer.byteLength(encodeStep(event)) + 10) });
    expect(bytes / 200).toBeLessThan(200);
  });

  it('reports a torn last record, wherever the write was cut, and appends cleanly after cutting it off', async () => {
    const { texts } = await recordedRun(3);
    write(texts);
    const lastStart = offsetOf(texts.length - 1);
    const size = statSync(path).size;
    const whole = readFileSync(path);
    for (let cut = lastStart + 1; cut < size; cut++) {
      writeFileSync(path, whole.subarray(0, cut));
      const { scan } = readAll();
      expect(scan.records).toBe(texts.length - 1);
      expect(scan.validBytes).toBe(lastStart);
      expect(scan.tornTail).toMatchObject({ offset: lastStart, bytes: cut - lastStart, line: texts.length });
    }
    write(texts.slice(-1), lastStart);
    expect(readFileSync(path).equals(whole)).toBe(true);
  });

  it('reports a last record with a bad checksum as torn', async () => {
    const { texts } = await recordedRun(3);
    write(texts);
    const data = readFileSync(path);
    data[data.length - 3] = data[data.length - 3] === 0x30 ? 0x31 : 0x30;
    writeFileSync(path, data);
    expect(readAll().scan.tornTail?.problem).toMatch(/checksum mismatch/);
  });

  it('refuses damage anywhere but the last record, naming the line and byte offset', async () => {
    const { texts } = await recordedRun(4);
    write(texts);
    const whole = readFileSync(path);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: texts.length - 2 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (index, at, delta) => {
        const start = offsetOf(index, whole);
        const end = whole.indexOf(0x0a, start);
        const damaged = Buffer.from(whole);
        const position = start + (at % (end - start + 1));
        damaged[position] = (damaged[position]! + delta) & 0xff;
        writeFileSync(path, damaged);
        let error: unknown;
        try {
          scanJournal(path);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(JournalCorruptError);
        expect((error as JournalCorruptError).line).toBeLessThanOrEqual(index + 1);
        expect((error as Error).message).toMatch(/journal\.jsonl, line \d+ \(byte \d+\)/);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a lost line end before the last record, though it merges two records into the last line', async () => {
    const { texts } = await recordedRun(3);
    write(texts);
    const data = readFileSync(path);
    const end = offsetOf(texts.length - 1) - 1;
    data[end] = 0x20;
    writeFileSync(path, data);
    expect(() => scanJournal(path)).toThrow(new RegExp(`line ${texts.length - 1} \\(byte ${offsetOf(texts.length - 2)}\\)`));
  });

  it('refuses a repeated or missing step', async () => {
    const { texts } = await recordedRun(3);
    write([texts[0]!, texts[1]!, texts[1]!, texts[2]!]);
    expect(() => scanJournal(path)).toThrow(/line 3 \(byte \d+\): the record is for step 1, expected step 2/);
    rmSync(path);
    write([texts[0]!, texts[2]!, texts[3]!]);
    expect(() => scanJournal(path)).toThrow(/line 2 .*for step 2, expected step 1/);
  });

  it('reads a missing journal as empty, unless a snapshot names records in it', () => {
    expect(scanJournal(path)).toEqual({ records: 0, validBytes: 0, tornTail: undefined });
    expect(() => scanJournal(path, { from: { offset: 300, step: 2 } })).toThrow(/the journal is missing, but the snapshot names 2 records in it/);
  });

  it('decodes only from a snapshot position, still verifying the records before it', async () => {
    const { texts } = await recordedRun(4);
    write(texts);
    const offset = offsetOf(5);
    const { records, scan } = readAll({ offset, step: 5 });
    expect(records.map((record) => record.step)).toEqual(texts.slice(5).map((_, i) => i + 5));
    expect(scan.records).toBe(texts.length);
    expect(() => readAll({ offset, step: 4 })).toThrow(/expects 4 records before byte \d+, the journal has 5/);
    expect(() => readAll({ offset: offset + 3, step: 5 })).toThrow(/falls inside this record/);
    truncateSync(path, offset - 1);
    expect(() => readAll({ offset, step: 5 })).toThrow(/before the snapshot's offset/);
  });

  it('hands records to the OS in batches, at most writeIntervalMs after they were decided', async () => {
    const { texts } = await recordedRun(4);
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 50, now: () => clock });
    for (const text of texts.slice(0, 10)) {
      writer.append(text);
      clock += 10;
    }
    // Appended at 0, 10, ..., 90 ms: the one at 50 ms wrote the first six, the rest wait.
    expect(writer.writes).toBe(1);
    expect(statSync(path).size).toBe(offsetAfter(texts, 6));
    expect(writer.bytes).toBe(offsetAfter(texts, 10));
    writer.close();
    expect(writer.writes).toBe(2);
    expect(statSync(path).size).toBe(offsetAfter(texts, 10));
  });

  it('writes a record at once when the previous write is older than writeIntervalMs, as for a slow model', async () => {
    const { texts } = await recordedRun(3);
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 50, now: () => clock });
    for (const text of texts.slice(0, 4)) {
      clock += 1000;
      writer.append(text);
      expect(statSync(path).size).toBe(writer.bytes);
    }
    expect(writer.writes).toBe(4);
    writer.close();
  });

  it('writes once the buffer holds bufferBytes, whatever the time', async () => {
    const { texts } = await recordedRun(4);
    const writer = openJournalWriter({ path, writeIntervalMs: 60_000, bufferBytes: 1000, now: () => 0 });
    for (const text of texts) writer.append(text);
    expect(writer.writes).toBeGreaterThanOrEqual(Math.floor(writer.bytes / (1000 + 300)));
    expect(statSync(path).size).toBeGreaterThan(writer.bytes - 1000);
    writer.close();
  });

  it('syncs at most every syncIntervalMs while writing, and at close', async () => {
    const { texts } = await recordedRun(4);
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 0, syncIntervalMs: 1000, now: () => clock });
    for (const text of texts.slice(0, 10)) {
      writer.append(text);
      clock += 250;
    }
    expect(writer.writes).toBe(10);
    expect(writer.syncs).toBe(2);
    writer.close();
    expect(writer.syncs).toBe(3);
    const every = openJournalWriter({ path: join(dir, 'b.jsonl'), writeIntervalMs: 0, syncIntervalMs: 0 });
    for (const text of texts.slice(0, 5)) every.append(text);
    expect(every.syncs).toBe(5);
    every.close();
  });

  it('writes and syncs a stalled tail on timers', async () => {
    const { texts } = await recordedRun(3);
    const writer = openJournalWriter({ path, writeIntervalMs: 5, syncIntervalMs: 10 });
    writer.append(texts[0]!);
    writer.append(texts[1]!);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(writer).toMatchObject({ writes: 1, syncs: 1 });
    expect(statSync(path).size).toBe(writer.bytes);
    writer.close();
  });

  it.runIf(existsSync('/dev/full'))('reports a full disk from the caller\'s next append, never from a timer', async () => {
    const { texts } = await recordedRun(3);
    // Writes to /dev/full fail with ENOSPC, as on a full disk.
    const writer = openJournalWriter({ path: '/dev/full', writeIntervalMs: 5, syncIntervalMs: 10 });
    writer.append(texts[0]!);
    // The timer's write fails; an exception thrown there would be uncaught and end the process.
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(() => writer.append(texts[1]!)).toThrow(/ENOSPC/);
    expect(() => writer.sync()).toThrow(/ENOSPC/);
    expect(() => writer.close()).toThrow(/ENOSPC/);
    expect(() => writer.close()).not.toThrow();
  });
});
