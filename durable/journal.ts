/**
 * The run journal: an append-only file of checksummed lines (`framed-line.ts`), one record per decided step
 * (`journal-record.ts`), in step order. Nothing per step stays in memory: the writer batches at most 64 KiB of
 * records before handing them to the operating system, and the scanner streams the file in fixed-size chunks.
 *
 * Durability policy, in two bounds of time:
 * - Write: records reach the operating system (`write(2)`) at most `writeIntervalMs` (50 ms) after their step
 *   is decided, or once 64 KiB are pending; a record decided `writeIntervalMs` after the last write goes at once.
 *   So a step of a real model (a second or more) is handed over before the next step starts, while a simulated
 *   run's thousands of steps a second share one write. A process that dies, by a crash, SIGKILL or the OOM
 *   killer, loses at most that last interval of decided steps, and never tears a record.
 * - Sync: `fsync`, which makes records survive a power loss or kernel crash, runs at most `syncIntervalMs`
 *   (1000 ms) after a write, before every snapshot, and at close. A power loss loses at most that interval
 *   more, and tears at most the last record.
 *
 * Resume re-decides lost steps, identically when the model honours per-sample seeds. A torn last record is
 * expected after a power loss and is cut off on resume; a damaged record anywhere else is a
 * `JournalCorruptError` naming the line and byte offset.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { InputError, JournalCorruptError } from '../core/errors.ts';
import { lineJson, lineProblem, maxFramedBytes, writeFramedLine } from './framed-line.ts';
import { decodeRecord, type JournalRecord } from './journal-record.ts';

/** Options of {@link openJournalWriter}. */
export interface JournalWriterOptions {
  /** The journal file; created when missing. */
  readonly path: string;
  /**
   * Length of the file's intact prefix, in bytes, as a scan found it: anything after it (a torn last record) is
   * cut off before the first append. @default 0 (a new, empty journal)
   */
  readonly validBytes?: number;
  /** Longest time a record waits before it is handed to the operating system, in milliseconds; 0 writes each at once. @default 50 */
  readonly writeIntervalMs?: number;
  /** Longest time a written record waits for `fsync`, in milliseconds; 0 syncs after every write. @default 1000 */
  readonly syncIntervalMs?: number;
  /** Pending bytes that trigger a write whatever the time. @default 65536 */
  readonly bufferBytes?: number;
  /** Clock in milliseconds. @default performance.now */
  readonly now?: () => number;
}

/** Appends records to a journal. */
export interface JournalWriter {
  /** Appends one record's JSON text (from `encodeStep`) as one checksummed line. */
  append(json: string): void;
  /** Journal length in bytes, records still pending included. */
  readonly bytes: number;
  /** `write(2)` calls made so far (for tests and benchmark reports). */
  readonly writes: number;
  /** `fsync` calls made so far (for tests and benchmark reports). */
  readonly syncs: number;
  /** Writes pending records and forces every record to stable storage now. */
  sync(): void;
  /** Syncs and closes the file. Idempotent. */
  close(): void;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0 && Number.isFinite(value))) throw new InputError(`Expected \`${name}\` to be a number >= 0, got \`${value}\``);
  return value;
}

/** Opens a journal for appending, cutting any torn tail first. */
export function openJournalWriter(options: JournalWriterOptions): JournalWriter {
  const validBytes = options.validBytes ?? 0;
  const writeIntervalMs = nonNegative('writeIntervalMs', options.writeIntervalMs ?? 50);
  const syncIntervalMs = nonNegative('syncIntervalMs', options.syncIntervalMs ?? 1000);
  const bufferBytes = nonNegative('bufferBytes', options.bufferBytes ?? 65_536);
  const now = options.now ?? (() => performance.now());
  const fd = openSync(options.path, 'a');
  const size = fstatSync(fd).size;
  if (size < validBytes) {
    closeSync(fd);
    throw new JournalCorruptError(options.path, undefined, size, `the journal is ${size} bytes, shorter than the ${validBytes} bytes already verified`);
  }
  if (size > validBytes) {
    ftruncateSync(fd, validBytes);
    fsyncSync(fd);
  }
  let pending = Buffer.allocUnsafe(Math.max(2 * bufferBytes, 4096));
  let pendingBytes = 0;
  let written = validBytes;
  let unsynced = false;
  let lastWrite = now();
  let lastSync = lastWrite;
  let writeTimer: NodeJS.Timeout | undefined;
  let syncTimer: NodeJS.Timeout | undefined;
  let writes = 0;
  let syncs = 0;
  let closed = false;
  /**
   * The first write or sync that failed (a full disk, an I/O error). The file's end is then unknown, so every
   * later append, sync or close throws it: from the caller's own call, never from a timer, where it would be an
   * uncaught exception that kills the process mid-step.
   */
  let failure: unknown;
  const failed = () => {
    if (failure !== undefined) throw failure;
  };
  const guarded = (action: () => void) => () => {
    try {
      action();
    } catch (error) {
      failure ??= error;
    }
  };

  const fsyncNow = () => {
    if (syncTimer !== undefined) clearTimeout(syncTimer);
    syncTimer = undefined;
    if (unsynced) {
      try {
        fsyncSync(fd);
      } catch (error) {
        // Linux reports a failed writeback once: a later fsync may succeed though the records never reached the disk.
        failure ??= error;
        throw error;
      }
      syncs++;
      unsynced = false;
    }
    lastSync = now();
  };

  const flush = () => {
    if (writeTimer !== undefined) clearTimeout(writeTimer);
    writeTimer = undefined;
    if (closed) return;
    failed();
    if (pendingBytes > 0) {
      try {
        for (let done = 0; done < pendingBytes; ) done += writeSync(fd, pending, done, pendingBytes - done);
      } catch (error) {
        failure ??= error;
        throw error;
      }
      written += pendingBytes;
      pendingBytes = 0;
      writes++;
      unsynced = true;
    }
    lastWrite = now();
    const waited = lastWrite - lastSync;
    if (waited >= syncIntervalMs) fsyncNow();
    // A run that stalls (a slow model) must not leave its last records unsynced until the next write.
    else if (unsynced) syncTimer ??= setTimeout(guarded(sync), syncIntervalMs - waited).unref();
  };

  function sync(): void {
    flush();
    if (!closed) fsyncNow();
  }

  return {
    append(json) {
      if (closed) throw new Error('The journal is closed');
      failed();
      const need = maxFramedBytes(json);
      if (pendingBytes + need > pending.length) {
        flush();
        if (need > pending.length) pending = Buffer.allocUnsafe(2 * need);
      }
      pendingBytes = writeFramedLine(pending, pendingBytes, json);
      const waited = now() - lastWrite;
      if (pendingBytes >= bufferBytes || waited >= writeIntervalMs) flush();
      else writeTimer ??= setTimeout(guarded(flush), writeIntervalMs - waited).unref();
    },
    get bytes() {
      return written + pendingBytes;
    },
    get writes() {
      return writes;
    },
    get syncs() {
      return syncs;
    },
    sync,
    close() {
      if (closed) return;
      try {
        sync();
      } finally {
        closed = true;
        if (writeTimer !== undefined) clearTimeout(writeTimer);
        if (syncTimer !== undefined) clearTimeout(syncTimer);
        closeSync(fd);
      }
    },
  };
}

/** Options of {@link scanJournal}. */
export interface JournalScanOptions<V> {
  /**
   * Where decoding starts. Records before `offset` are verified (checksum and sequence) but not decoded;
   * `offset` must fall on a record boundary with exactly `step` records before it (a snapshot's position).
   * @default { offset: 0, step: 0 }
   */
  readonly from?: { readonly offset: number; readonly step: number };
  /** Called with each record from `from` on, in step order. */
  readonly onRecord?: (record: JournalRecord<V>) => void;
  /** Bytes read at a time. @default 1 MiB */
  readonly chunkBytes?: number;
  /**
   * The run's id (`config.json`'s `runId`): the first record must carry it, or the journal is another run's
   * (copied from another run directory) and is refused. @default no check (run directories from before run ids)
   */
  readonly runId?: string;
  /** The snapshot `from` comes from, named in the advice when damage lies before its position. */
  readonly snapshotPath?: string;
}

/** What a scan found. */
export interface JournalScan {
  /** Intact records: the next record's step index. */
  readonly records: number;
  /** Length of the intact prefix, in bytes: where the next record goes. */
  readonly validBytes: number;
  /** A torn last record, cut off by a crash mid-write; undefined when the journal ends cleanly. */
  readonly tornTail: { readonly offset: number; readonly bytes: number; readonly line: number; readonly problem: string } | undefined;
}

const NEWLINE = 0x0a;
const PREFIX = Buffer.from('{"i":');

/**
 * The step index at the start of an intact line, read without parsing the record; -1 if not in the usual form.
 * Exported for its tests: a scan decodes whatever this cannot read, so only they notice it reading too little.
 */
export function quickIndex(buffer: Buffer, start: number, end: number): number {
  if (end - start < PREFIX.length + 1 || buffer.compare(PREFIX, 0, PREFIX.length, start, start + PREFIX.length) !== 0) return -1;
  let value = 0;
  let i = start + PREFIX.length;
  for (; i < end; i++) {
    const digit = buffer[i]! - 0x30;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return i === start + PREFIX.length || buffer[i] !== 0x2c ? -1 : value;
}

/**
 * Whether a damaged line ends with a whole intact record: then the damage (a lost line end, say) is in the
 * record before it, and the line is not a torn write, which can only leave the last record incomplete.
 */
function endsWithIntactRecord(buffer: Buffer, start: number, newline: number): boolean {
  const from = buffer.lastIndexOf(PREFIX, newline);
  return from > start && lineProblem(buffer, from, newline) === undefined;
}

/**
 * Reads a journal from the start, verifying every record's checksum and that steps run 0, 1, 2, ... without a
 * gap or a repeat. A damaged last record is reported as `tornTail`; damage anywhere else throws
 * `JournalCorruptError`. A missing file reads as empty (a run killed before it created its journal). Memory
 * stays bounded by the longest record, however long the journal.
 */
export function scanJournal<V>(path: string, options: JournalScanOptions<V> = {}): JournalScan {
  const from = options.from ?? { offset: 0, step: 0 };
  if (!existsSync(path)) {
    if (from.offset === 0 && from.step === 0) return { records: 0, validBytes: 0, tornTail: undefined };
    throw new JournalCorruptError(path, undefined, 0, `the journal is missing, but the snapshot names ${from.step} records in it`);
  }
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let buffer = Buffer.allocUnsafe(options.chunkBytes ?? 1 << 20);
    /** File offset of `buffer[0]`. */
    let base = 0;
    /** Bytes of `buffer` filled. */
    let filled = 0;
    /** Start, within `buffer`, of the first line not yet consumed. */
    let start = 0;
    let records = 0;
    let line = 0;

    // Cutting the journal before the snapshot's position leaves a snapshot naming records that are gone, so
    // the snapshot must go too (a resume then replays the journal from its start).
    const dropSnapshot = (offset: number) =>
      offset < from.offset && options.snapshotPath !== undefined ? ` and rm ${options.snapshotPath}; the snapshot is past the damage, so the run then replays the journal from its start` : '';
    const corrupt = (offset: number, problem: string): never => {
      throw new JournalCorruptError(
        path,
        line,
        offset,
        `${problem}; records after it exist, so this is damage, not a torn write (to discard it and everything after, re-deciding those steps: truncate -s ${offset} ${path}${dropSnapshot(offset)})`,
      );
    };
    const checkFrom = (offset: number) => {
      if (offset === from.offset && records !== from.step) {
        throw new JournalCorruptError(path, undefined, offset, `the snapshot expects ${from.step} records before byte ${offset}, the journal has ${records}`);
      }
    };

    const finish = (validBytes: number, tornTail: JournalScan['tornTail']): JournalScan => {
      if (validBytes < from.offset) {
        throw new JournalCorruptError(
          path,
          undefined,
          validBytes,
          `the journal's intact records end at byte ${validBytes}, before the snapshot's offset ${from.offset}: synced records are missing${
            options.snapshotPath === undefined ? '' : ` (to resume from the ${records} intact records, re-deciding the rest: rm ${options.snapshotPath})`
          }`,
        );
      }
      return { records, validBytes, tornTail };
    };

    checkFrom(0);
    for (;;) {
      const newline = buffer.indexOf(NEWLINE, start);
      if (newline < 0 || newline >= filled) {
        // No complete line left in the buffer: keep the partial one and read more.
        if (base + filled >= size) break;
        if (start > 0) {
          buffer.copy(buffer, 0, start, filled);
          base += start;
          filled -= start;
          start = 0;
        } else if (filled === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        }
        const read = readSync(fd, buffer, filled, buffer.length - filled, base + filled);
        if (read === 0) break;
        filled += read;
        continue;
      }
      line++;
      const offset = base + start;
      const end = base + newline + 1;
      if (offset < from.offset && end > from.offset) {
        throw new JournalCorruptError(path, line, offset, `the snapshot's journal offset ${from.offset} falls inside this record`);
      }
      const problem = lineProblem(buffer, start, newline);
      const last = end >= size;
      if (problem !== undefined) {
        if (last && !endsWithIntactRecord(buffer, start, newline)) return finish(offset, { offset, bytes: size - offset, line, problem });
        corrupt(offset, problem);
      }
      if (records === 0 && options.runId !== undefined) {
        const first = decodeRecord<V>(lineJson(buffer, start, newline));
        const theirs = first.ok ? first.record.runId : undefined;
        if (theirs !== options.runId) {
          throw new JournalCorruptError(
            path,
            line,
            offset,
            `the journal belongs to another run (${theirs === undefined ? 'one without an id' : `run ${theirs}`}; this directory's run is ${options.runId}): was it copied from another run directory? Put this run's journal back, or start a new run`,
          );
        }
      }
      let index: number;
      if (offset >= from.offset) {
        const decoded = decodeRecord<V>(lineJson(buffer, start, newline));
        if (!decoded.ok) corrupt(offset, decoded.problem);
        const record = (decoded as { record: JournalRecord<V> }).record;
        index = record.step;
        if (index !== records) corrupt(offset, `the record is for step ${index}, expected step ${records}`);
        options.onRecord?.(record);
      } else {
        index = quickIndex(buffer, start, newline);
        if (index < 0) {
          const decoded = decodeRecord<V>(lineJson(buffer, start, newline));
          if (!decoded.ok) corrupt(offset, decoded.problem);
          index = (decoded as { record: JournalRecord<V> }).record.step;
        }
        if (index !== records) corrupt(offset, `the record is for step ${index}, expected step ${records}`);
      }
      records++;
      start = newline + 1;
      checkFrom(end);
    }
    const validBytes = base + start;
    if (validBytes < size) {
      return finish(validBytes, { offset: validBytes, bytes: size - validBytes, line: line + 1, problem: 'the last line has no terminating newline' });
    }
    return finish(validBytes, undefined);
  } finally {
    closeSync(fd);
  }
}
