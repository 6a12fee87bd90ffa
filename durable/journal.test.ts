import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHanoiTask, hanoiSim } from '../tasks/hanoi/index.ts';
import { InputError, JournalCorruptError } from '../core/errors.ts';
import { frameLine } from './framed-line.ts';
import { crc32 } from './crc32.ts';
import { openJournalWriter, quickIndex, scanJournal, type JournalWriter } from './journal.ts';
import { addRecord, encodeStep, type JournalRecord } from './journal-record.ts';
import { emptyTotals, runTask, type RunTotals } from '../run/run-task.ts';
import { createSimModel } from '../models/sim-model.ts';

/** Failures to inject into the next `write(2)` or `fsync` calls (a full disk, an I/O error): a count of calls to fail. */
const faults = vi.hoisted(() => ({ write: 0, fsync: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const injected = (call: string) => Object.assign(new Error(`EIO: i/o error, ${call} (injected)`), { code: 'EIO' });
  return {
    ...fs,
    writeSync: (...args: unknown[]) => {
      if (faults.write > 0) {
        faults.write--;
        throw injected('write');
      }
      return (fs.writeSync as (...args: unknown[]) => number)(...args);
    },
    fsyncSync: (fd: number) => {
      if (faults.fsync > 0) {
        faults.fsync--;
        throw injected('fsync');
      }
      fs.fsyncSync(fd);
    },
  };
});

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
afterEach(() => {
  faults.write = 0;
  faults.fsync = 0;
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

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

/** A small valid record for `step`, its key padded so that the text is `length` characters long; `extra` fields go last. */
function recordText(step: number, length = 0, extra = ''): string {
  const head = `{"i":${step},"k":"`;
  const tail = `","v":0,"w":1,"s":1,"r":1,"pt":0,"ct":0,"c":0${extra}}`;
  return head + 'k'.repeat(Math.max(1, length - head.length - tail.length)) + tail;
}

/** The error `action` throws. */
function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

/** Every later call of `writer` fails with `error` itself: a record after it could follow a lost one. */
function expectFailedForGood(writer: JournalWriter, error: Error, nextStep: number): void {
  expect(thrown(() => writer.append(recordText(nextStep)))).toBe(error);
  expect(thrown(() => writer.sync())).toBe(error);
  expect(thrown(() => writer.close())).toBe(error);
}

const hex = (crc: number) => crc.toString(16).padStart(8, '0');
const advice = (offset: number, more = '') =>
  `; records after it exist, so this is damage, not a torn write (to discard it and everything after, re-deciding those steps: truncate -s ${offset} ${path}${more})`;

describe('the journal writer', () => {
  it('refuses a negative or non-finite interval or buffer size, before creating the file', () => {
    const cases: Array<[string, number]> = [
      ['writeIntervalMs', -1],
      ['syncIntervalMs', Number.NaN],
      ['bufferBytes', Number.POSITIVE_INFINITY],
    ];
    for (const [name, value] of cases) {
      const error = thrown(() => openJournalWriter({ path, [name]: value }));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toBe(`Expected \`${name}\` to be a number >= 0, got \`${value}\``);
    }
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a journal shorter than the bytes a scan already verified, leaving it untouched', () => {
    write([recordText(0), recordText(1)]);
    const before = readFileSync(path);
    const error = thrown(() => openJournalWriter({ path, validBytes: before.length + 5 }));
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toBe(`${path} (byte ${before.length}): the journal is ${before.length} bytes, shorter than the ${before.length + 5} bytes already verified`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses an append after close', () => {
    const writer = openJournalWriter({ path });
    writer.append(recordText(0));
    writer.close();
    expect(() => writer.append(recordText(1))).toThrow(/^The journal is closed$/);
    writer.close();
    expect(readAll().scan.records).toBe(1);
  });

  it('writes what is pending before a record that may not fit, and stores a record longer than the buffer intact', () => {
    // bufferBytes 3002: a 6004-byte buffer. A record of n characters may need 3n + 10 bytes of it (UTF-8).
    const writer = openJournalWriter({ path, bufferBytes: 3002, writeIntervalMs: 60_000, now: () => 0 });
    const texts = [recordText(0, 100), recordText(1, 1998), recordText(2, 1400), recordText(3, 20_000), recordText(4, 100)];
    writer.append(texts[0]!);
    expect(writer.writes).toBe(0);
    // Record 1 may need all 6004 bytes: record 0 is written first, and record 1 waits in the buffer as it is.
    writer.append(texts[1]!);
    expect(writer.writes).toBe(1);
    expect(statSync(path).size).toBe(offsetAfter(texts, 1));
    // Record 2 may need 4210 bytes, more than the 3996 left: record 1 is written, record 2 (1410 bytes) waits.
    writer.append(texts[2]!);
    expect(writer.writes).toBe(2);
    expect(statSync(path).size).toBe(offsetAfter(texts, 2));
    expect(writer.bytes).toBe(offsetAfter(texts, 3));
    // Record 3 is longer than the whole buffer: record 2 is written, then record 3 from a bigger buffer, at once
    // since it alone holds more than bufferBytes.
    writer.append(texts[3]!);
    expect(writer.writes).toBe(4);
    expect(statSync(path).size).toBe(offsetAfter(texts, 4));
    writer.append(texts[4]!);
    writer.close();
    expect(writer.writes).toBe(5);
    expect(readFileSync(path).equals(Buffer.concat(texts.map(frameLine)))).toBe(true);
    const { records, scan } = readAll();
    expect(scan).toEqual({ records: 5, validBytes: offsetAfter(texts, 5), tornTail: undefined });
    expect(records.map((record) => record.key.length)).toEqual(texts.map((text) => text.length - recordText(0, 0).length + 1));
  });

  it('makes a failed write fail every later call with that error, though the disk has recovered', () => {
    const writer = openJournalWriter({ path, writeIntervalMs: 0 });
    writer.append(recordText(0));
    faults.write = 1;
    const error = thrown(() => writer.append(recordText(1)));
    expect(error.message).toBe('EIO: i/o error, write (injected)');
    expect(faults.write).toBe(0);
    expectFailedForGood(writer, error, 2);
    writer.close();
    expect(writer.writes).toBe(1);
    expect(readAll().scan).toEqual({ records: 1, validBytes: offsetAfter([recordText(0)], 1), tornTail: undefined });
  });

  it('counts an fsync only when something was written since the last one', () => {
    const writer = openJournalWriter({ path, writeIntervalMs: 0, syncIntervalMs: 60_000 });
    writer.sync();
    expect(writer.syncs).toBe(0);
    writer.append(recordText(0));
    writer.sync();
    writer.sync();
    expect(writer).toMatchObject({ writes: 1, syncs: 1 });
    writer.close();
    expect(writer.syncs).toBe(1);
  });

  it('waits writeIntervalMs from the last write, not from the append, before writing on its timer', () => {
    vi.useFakeTimers();
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 50, now: () => clock });
    clock = 20;
    writer.append(recordText(0));
    clock = 49;
    vi.advanceTimersByTime(29);
    expect(writer.writes).toBe(0);
    clock = 50;
    vi.advanceTimersByTime(1);
    expect(writer.writes).toBe(1);
    writer.close();
  });

  it('cancels its timers on sync(): a later record waits its own interval, not what was left of the last', () => {
    vi.useFakeTimers();
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 50, syncIntervalMs: 1000, now: () => clock });
    writer.append(recordText(0)); // its write is due at 50
    clock = 10;
    vi.advanceTimersByTime(10);
    writer.sync(); // writes and syncs it at 10: nothing is due any more
    expect(writer).toMatchObject({ writes: 1, syncs: 1 });
    clock = 20;
    vi.advanceTimersByTime(10);
    writer.append(recordText(1)); // 10 ms after the last write: due at 60
    clock = 50;
    vi.advanceTimersByTime(30);
    expect(writer.writes).toBe(1);
    clock = 60;
    vi.advanceTimersByTime(10);
    expect(writer).toMatchObject({ writes: 2, syncs: 1 });
    // Its fsync is due 1000 ms after the last one (at 10), not at the 1000 ms the sync at 10 cancelled.
    clock = 1000;
    vi.advanceTimersByTime(940);
    expect(writer.syncs).toBe(1);
    clock = 1010;
    vi.advanceTimersByTime(10);
    expect(writer.syncs).toBe(2);
    writer.close();
  });

  it('writes at once when the pending bytes reach bufferBytes exactly', () => {
    const text = recordText(0, 100);
    const writer = openJournalWriter({ path, writeIntervalMs: 60_000, bufferBytes: offsetAfter([text], 1), now: () => 0 });
    writer.append(text);
    expect(writer.writes).toBe(1);
    expect(statSync(path).size).toBe(offsetAfter([text], 1));
    writer.close();
  });

  it('keeps a record that fits the buffer exactly with those before it, in one write', () => {
    // The buffer holds 4096 bytes (twice bufferBytes); a record may need 3 bytes a character plus 10.
    const second = recordText(1, 1000);
    const first = recordText(0, 4096 - 10 - (3 * second.length + 10));
    const writer = openJournalWriter({ path, writeIntervalMs: 60_000, bufferBytes: 2048, now: () => 0 });
    writer.append(first);
    expect(writer.writes).toBe(0);
    writer.append(second);
    expect(writer.writes).toBe(1);
    expect(statSync(path).size).toBe(offsetAfter([first, second], 2));
    writer.close();
  });

  it('keeps a write that failed on its timer for the caller\'s next call', () => {
    vi.useFakeTimers();
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 50, now: () => clock });
    writer.append(recordText(0));
    faults.write = 1;
    clock = 50;
    vi.advanceTimersByTime(50);
    expect(faults.write).toBe(0);
    expect(writer.writes).toBe(0);
    expect(() => writer.append(recordText(1))).toThrow(/^EIO: i\/o error, write \(injected\)$/);
    expect(() => writer.close()).toThrow(/^EIO: i\/o error, write \(injected\)$/);
    expect(statSync(path).size).toBe(0);
  });

  it('keeps an fsync that failed on its timer for the caller\'s next call', () => {
    vi.useFakeTimers();
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 0, syncIntervalMs: 1000, now: () => clock });
    clock = 10;
    writer.append(recordText(0));
    expect(writer).toMatchObject({ writes: 1, syncs: 0 });
    faults.fsync = 1;
    clock = 999;
    vi.advanceTimersByTime(989);
    expect(faults.fsync).toBe(1);
    clock = 1000;
    vi.advanceTimersByTime(1);
    expect(faults.fsync).toBe(0);
    expect(writer.syncs).toBe(0);
    expect(() => writer.append(recordText(1))).toThrow(/^EIO: i\/o error, fsync \(injected\)$/);
    expect(() => writer.sync()).toThrow(/^EIO: i\/o error, fsync \(injected\)$/);
    expect(writer.writes).toBe(1);
  });

  it('makes an fsync that failed in sync() fail every later call', () => {
    let clock = 0;
    const writer = openJournalWriter({ path, writeIntervalMs: 0, syncIntervalMs: 1000, now: () => clock });
    clock = 10;
    writer.append(recordText(0));
    clock = 20;
    faults.fsync = 1;
    const error = thrown(() => writer.sync());
    expect(error.message).toBe('EIO: i/o error, fsync (injected)');
    expect(writer.syncs).toBe(0);
    expectFailedForGood(writer, error, 1);
    expect(writer).toMatchObject({ writes: 1, syncs: 0 });
  });

  it('makes an fsync that failed while appending fail every later call', () => {
    const writer = openJournalWriter({ path, writeIntervalMs: 0, syncIntervalMs: 0 });
    writer.append(recordText(0));
    faults.fsync = 1;
    const error = thrown(() => writer.append(recordText(1)));
    expect(error.message).toBe('EIO: i/o error, fsync (injected)');
    // The record reached the OS, but whether it (or record 0) reached the disk is unknown: nothing may follow.
    expectFailedForGood(writer, error, 2);
    expect(writer).toMatchObject({ writes: 2, syncs: 1 });
    expect(readAll().scan.records).toBe(2);
  });
});


describe('the journal scan', () => {
  it('reads the same, whatever the chunk size, with records longer than a chunk', async () => {
    const { texts: run } = await recordedRun(3);
    const texts = [...run, recordText(run.length, 3000), recordText(run.length + 1)];
    write(texts);
    const whole = readFileSync(path);
    const from = { offset: offsetAfter(texts, 4), step: 4 };
    const scanWith = (chunkBytes?: number) => {
      const records: JournalRecord[] = [];
      const scan = scanJournal(path, { from, onRecord: (record) => records.push(record), ...(chunkBytes === undefined ? {} : { chunkBytes }) });
      return { scan, records };
    };
    const expected = scanWith();
    expect(expected.scan).toEqual({ records: texts.length, validBytes: whole.length, tornTail: undefined });
    expect(expected.records.map((record) => record.step)).toEqual(texts.slice(4).map((_, i) => i + 4));
    expect(expected.records.at(-2)!.key).toBe(JSON.parse(texts.at(-2)!).k);
    // A torn last record, and a record damaged before the snapshot's position (line 3).
    writeFileSync(path, whole.subarray(0, whole.length - 7));
    const torn = scanWith();
    expect(torn.scan.tornTail).toEqual({ offset: offsetAfter(texts, texts.length - 1), bytes: whole.length - 7 - offsetAfter(texts, texts.length - 1), line: texts.length, problem: 'the last line has no terminating newline' });
    const damaged = Buffer.from(whole);
    damaged[offsetAfter(texts, 2) + 2] = 0x6a;
    for (const chunkBytes of [1, 7, 64, 200, 1000]) {
      writeFileSync(path, whole);
      expect(scanWith(chunkBytes)).toEqual(expected);
      writeFileSync(path, whole.subarray(0, whole.length - 7));
      expect(scanWith(chunkBytes)).toEqual(torn);
      writeFileSync(path, damaged);
      const error = thrown(() => scanWith(chunkBytes)) as JournalCorruptError;
      expect(error).toMatchObject({ line: 3, offset: offsetAfter(texts, 2) });
    }
  });

  it('describes a torn last record exactly: where it starts, its length, its line, what is wrong', () => {
    const texts = [recordText(0), recordText(1), recordText(2)];
    write(texts);
    const whole = readFileSync(path);
    const last = offsetAfter(texts, 2);
    writeFileSync(path, whole.subarray(0, whole.length - 4));
    expect(scanJournal(path)).toEqual({
      records: 2,
      validBytes: last,
      tornTail: { offset: last, bytes: whole.length - 4 - last, line: 3, problem: 'the last line has no terminating newline' },
    });
    const damaged = Buffer.from(whole);
    damaged[last + 8] = 0x6a;
    writeFileSync(path, damaged);
    const problem = `checksum mismatch (stored ${hex(crc32(Buffer.from(texts[2]!)))}, computed ${hex(crc32(damaged, last, damaged.length - 10))})`;
    expect(scanJournal(path)).toEqual({ records: 2, validBytes: last, tornTail: { offset: last, bytes: whole.length - last, line: 3, problem } });
  });

  it('takes a damaged last record for torn though its value holds a record-like object', () => {
    const texts = [recordText(0), `{"i":1,"k":"a","v":{"i":7,"k":"b"},"w":1,"s":1,"r":1,"pt":0,"ct":0,"c":0}`];
    write(texts);
    const data = readFileSync(path);
    data[data.length - 2] = data[data.length - 2] === 0x30 ? 0x31 : 0x30;
    writeFileSync(path, data);
    expect(scanJournal(path)).toMatchObject({ records: 1, validBytes: offsetAfter(texts, 1), tornTail: { offset: offsetAfter(texts, 1), line: 2 } });
  });

  it('takes a damaged last line for torn when no record starts in it, whatever its checksum digits', () => {
    const texts = [recordText(0), recordText(1)];
    write(texts);
    // Digits that happen to be the checksum of record 1's line and this line's text together.
    const tail = Buffer.from('{"k":');
    const digits = hex(crc32(Buffer.concat([frameLine(texts[1]!), tail])));
    writeFileSync(path, Buffer.concat([readFileSync(path), tail, Buffer.from(`\t${digits}\n`)]));
    expect(scanJournal(path)).toMatchObject({ records: 2, validBytes: offsetAfter(texts, 2), tornTail: { offset: offsetAfter(texts, 2), line: 3 } });
  });

  it('reads a missing journal as empty only for a snapshot at the start with no records', () => {
    for (const from of [{ offset: 300, step: 0 }, { offset: 0, step: 2 }]) {
      const error = thrown(() => scanJournal(path, { from }));
      expect(error).toBeInstanceOf(JournalCorruptError);
      expect(error.message).toBe(`${path} (byte 0): the journal is missing, but the snapshot names ${from.step} records in it`);
    }
    expect(scanJournal(path, { from: { offset: 0, step: 0 } })).toEqual({ records: 0, validBytes: 0, tornTail: undefined });
  });

  it('advises removing the snapshot only when the damage lies before its position', () => {
    // Step 1 twice: line 3 is for step 1 where step 2 is expected.
    const texts = [recordText(0), recordText(1), recordText(1), recordText(3), recordText(4), recordText(5)];
    write(texts);
    const snapshotPath = join(dir, 'snapshot.jsonl');
    const damage = offsetAfter(texts, 2);
    const message = (more = '') => `${path}, line 3 (byte ${damage}): the record is for step 1, expected step 2${advice(damage, more)}`;
    const rm = ` and rm ${snapshotPath}; the snapshot is past the damage, so the run then replays the journal from its start`;
    expect(thrown(() => scanJournal(path, { from: { offset: offsetAfter(texts, 4), step: 4 }, snapshotPath })).message).toBe(message(rm));
    expect(thrown(() => scanJournal(path, { from: { offset: offsetAfter(texts, 4), step: 4 } })).message).toBe(message());
    // The damaged record is the snapshot's first, or after it: the snapshot stays.
    expect(thrown(() => scanJournal(path, { from: { offset: damage, step: 2 }, snapshotPath })).message).toBe(message());
    expect(thrown(() => scanJournal(path, { from: { offset: offsetAfter(texts, 1), step: 1 }, snapshotPath })).message).toBe(message());
    expect(thrown(() => scanJournal(path, { snapshotPath })).message).toBe(message());
  });

  it('advises removing the snapshot when the journal ends before its position', () => {
    const texts = [recordText(0), recordText(1), recordText(2), recordText(3), recordText(4)];
    write(texts);
    truncateSync(path, offsetAfter(texts, 2) + 5);
    const snapshotPath = join(dir, 'snapshot.jsonl');
    const from = { offset: offsetAfter(texts, 4), step: 4 };
    const message = `${path} (byte ${offsetAfter(texts, 2)}): the journal's intact records end at byte ${offsetAfter(texts, 2)}, before the snapshot's offset ${from.offset}: synced records are missing`;
    expect(thrown(() => scanJournal(path, { from, snapshotPath })).message).toBe(`${message} (to resume from the 2 intact records, re-deciding the rest: rm ${snapshotPath})`);
    expect(thrown(() => scanJournal(path, { from })).message).toBe(message);
  });

  it('refuses the journal of another run, naming whose it is', () => {
    const belongs = (theirs: string) =>
      `${path}, line 1 (byte 0): the journal belongs to another run (${theirs}; this directory's run is run-b): was it copied from another run directory? Put this run's journal back, or start a new run`;
    write([recordText(0, 0, ',"u":"run-a"'), recordText(1), recordText(2)]);
    expect(scanJournal(path, { runId: 'run-a' })).toMatchObject({ records: 3, tornTail: undefined });
    for (const from of [undefined, { offset: offsetAfter([recordText(0, 0, ',"u":"run-a"')], 1), step: 1 }]) {
      const error = thrown(() => scanJournal(path, { runId: 'run-b', ...(from === undefined ? {} : { from }) }));
      expect(error).toBeInstanceOf(JournalCorruptError);
      expect(error.message).toBe(belongs('run run-a'));
    }
    rmSync(path);
    write([recordText(0), recordText(1)]);
    expect(thrown(() => scanJournal(path, { runId: 'run-b' })).message).toBe(belongs('one without an id'));
  });

  it('verifies records before a snapshot position that are not in the usual form by decoding them', () => {
    const rest = `"k":"a","v":0,"w":1,"s":1,"r":1,"pt":0,"ct":0,"c":0`;
    // `i` not first; a space after `"i":`; an exponent; digits not followed by a comma.
    const texts = [`{${rest},"i":0}`, recordText(1), `{"i": 2,${rest}}`, `{"i":3e0,${rest}}`, `{"i":4 ,${rest}}`, recordText(5), recordText(6)];
    write(texts);
    const records: JournalRecord[] = [];
    const scan = scanJournal(path, { from: { offset: offsetAfter(texts, 6), step: 6 }, onRecord: (record) => records.push(record) });
    expect(scan).toEqual({ records: 7, validBytes: offsetAfter(texts, 7), tornTail: undefined });
    expect(records.map((record) => record.step)).toEqual([6]);
    // Such a record with the wrong step is refused as out of sequence.
    rmSync(path);
    const wrong = [texts[0]!, recordText(1), `{"i": 3,${rest}}`, recordText(3)];
    write(wrong);
    expect(thrown(() => scanJournal(path, { from: { offset: offsetAfter(wrong, 3), step: 3 } })).message).toBe(
      `${path}, line 3 (byte ${offsetAfter(wrong, 2)}): the record is for step 3, expected step 2${advice(offsetAfter(wrong, 2))}`,
    );
  });

  it('refuses a record that is not JSON though its checksum holds, wherever it is', () => {
    const texts = [recordText(0), `{"i":,"k":"a"}`, recordText(2)];
    write(texts);
    const error = thrown(() => scanJournal(path));
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toMatch(new RegExp(`, line 2 \\(byte ${offsetAfter(texts, 1)}\\): the record is not JSON \\(`));
  });

  it('refuses an empty first line before intact records', () => {
    writeFileSync(path, Buffer.concat([Buffer.from('\n'), frameLine(recordText(0)), frameLine(recordText(1))]));
    const error = thrown(() => scanJournal(path));
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toMatch(/, line 1 \(byte 0\): /);
  });

  it.runIf(existsSync('/proc/self/fd'))('closes the file after every scan, one that throws included', () => {
    const texts = [recordText(0), recordText(1)];
    write(texts);
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 50; i++) scanJournal(path);
    for (let i = 0; i < 50; i++) thrown(() => scanJournal(path, { from: { offset: 3, step: 0 } }));
    expect(open() - before).toBeLessThan(10);
  });

  it('refuses a record before a snapshot position that is not JSON, though its checksum holds', () => {
    const texts = [`{"i":,"k":"a"}`, recordText(1), recordText(2)];
    write(texts);
    const error = thrown(() => scanJournal(path, { from: { offset: offsetAfter(texts, 2), step: 2 } }));
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toMatch(/, line 1 \(byte 0\): the record is not JSON \(/);
    expect(error.message.endsWith(advice(0))).toBe(true);
  });
});

describe('quickIndex, the scan\'s fast read of a step before the snapshot position', () => {
  /** quickIndex of `line`, placed after two bytes of something else and followed by its newline. */
  const at = (line: string) => {
    const buffer = Buffer.from(`xx${line}\n`);
    return quickIndex(buffer, 2, buffer.length - 1);
  };

  it('reads the step of a line in the usual form', () => {
    for (const step of [0, 7, 10, 909, 1234567, 2 ** 40]) expect(at(`{"i":${step},"k":"a"}`)).toBe(step);
    expect(at('{"i":5,')).toBe(5);
  });

  it('gives -1 for any other form, which the scan then decodes', () => {
    for (const line of ['{"i":,"k":"a"}', '{"i": 2,', '{"i":3e0,', '{"i":4 ,', '{"k":1,"i":2}', '{"i":', '{"i":5', '{"i":-1,', '{"i":1/,', '{"i":1:,', '{"j":1,']) {
      expect(at(line), line).toBe(-1);
    }
  });
});
