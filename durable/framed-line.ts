/**
 * The checksummed line, the unit of the run journal and of snapshots: JSON text, a tab, the CRC-32 of the
 * JSON's UTF-8 bytes as 8 lowercase hex digits, and a newline. JSON text never holds a raw tab or newline, so
 * the frame is unambiguous, and a line cut anywhere fails its check: it lacks the newline, the tab, the
 * digits, or the CRC. The format stays greppable and readable with `cut -f1 | jq`.
 */
import { crc32 } from './crc32.ts';

/** Bytes a frame adds to its JSON: tab, 8 hex digits, newline. */
export const FRAME_OVERHEAD = 10;

const TAB = 0x09;
const NEWLINE = 0x0a;
const HEX = '0123456789abcdef';

/** Frames JSON text as one checksummed line, ready to append. */
export function frameLine(json: string): Buffer {
  const line = Buffer.allocUnsafe(maxFramedBytes(json));
  return line.subarray(0, writeFramedLine(line, 0, json));
}

/** Bytes {@link writeFramedLine} may need for `json`: UTF-8 takes at most 3 bytes per UTF-16 unit. */
export function maxFramedBytes(json: string): number {
  return json.length * 3 + FRAME_OVERHEAD;
}

/**
 * Writes `json` as one checksummed line into `target` at `offset`, which must have {@link maxFramedBytes} free,
 * and returns the offset after it. Encodes straight into the buffer: no copy of the record is allocated.
 */
export function writeFramedLine(target: Buffer, offset: number, json: string): number {
  const jsonEnd = offset + target.write(json, offset, 'utf8');
  let crc = crc32(target, offset, jsonEnd);
  target[jsonEnd] = TAB;
  for (let i = 8; i >= 1; i--) {
    target[jsonEnd + i] = HEX.charCodeAt(crc & 0xf);
    crc >>>= 4;
  }
  target[jsonEnd + 9] = NEWLINE;
  return jsonEnd + FRAME_OVERHEAD;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/**
 * Checks the line `bytes[start, newline)`, where `newline` is the index of its terminating newline (or the end
 * of the data for an unterminated line). Returns what is wrong with it, or undefined when it is intact; its
 * JSON is then `bytes[start, newline - 9)`.
 */
export function lineProblem(bytes: Uint8Array, start: number, newline: number): string | undefined {
  if (newline >= bytes.length || bytes[newline] !== NEWLINE) return 'the line has no terminating newline';
  const jsonEnd = newline - (FRAME_OVERHEAD - 1);
  if (jsonEnd <= start || bytes[jsonEnd] !== TAB) return 'the line lacks its tab-separated checksum';
  let stored = 0;
  for (let i = jsonEnd + 1; i < newline; i++) {
    const digit = hexValue(bytes[i]!);
    if (digit < 0) return 'the checksum is not 8 hex digits';
    stored = stored * 16 + digit;
  }
  const actual = crc32(bytes, start, jsonEnd);
  if (actual !== stored) return `checksum mismatch (stored ${stored.toString(16).padStart(8, '0')}, computed ${actual.toString(16).padStart(8, '0')})`;
  return undefined;
}

/** The JSON text of an intact line checked by {@link lineProblem}. */
export function lineJson(bytes: Buffer, start: number, newline: number): string {
  return bytes.toString('utf8', start, newline - (FRAME_OVERHEAD - 1));
}
