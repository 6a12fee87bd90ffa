import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.ts';
import { FRAME_OVERHEAD, frameLine, lineJson, lineProblem, maxFramedBytes, writeFramedLine } from './framed-line.ts';

const newlineOf = (line: Buffer) => line.length - 1;

describe('framed lines', () => {
  it('frames JSON as text, tab, 8 hex digits of CRC-32, newline', () => {
    expect(frameLine('123456789').toString()).toBe('123456789\tcbf43926\n');
  });

  it('round-trips any JSON value, whatever its characters', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const json = JSON.stringify(value);
        const line = frameLine(json);
        expect(line.length).toBe(Buffer.byteLength(json) + FRAME_OVERHEAD);
        expect(lineProblem(line, 0, newlineOf(line))).toBeUndefined();
        expect(lineJson(line, 0, newlineOf(line))).toBe(json);
      }),
    );
  });

  it('fails every strict prefix of a line: a torn write is always detected', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), (value, cut) => {
        const line = frameLine(JSON.stringify(value));
        const torn = line.subarray(0, cut % line.length);
        const newline = torn.indexOf(0x0a);
        expect(lineProblem(torn, 0, newline < 0 ? torn.length : newline)).toBeDefined();
      }),
    );
  });

  it('fails a line with any byte changed', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.integer({ min: 1, max: 255 }), (value, at, delta) => {
        const line = frameLine(JSON.stringify(value));
        const index = at % (line.length - 1);
        line[index] = (line[index]! + delta) & 0xff;
        const newline = line.indexOf(0x0a);
        expect(lineProblem(line, 0, newline)).toBeDefined();
      }),
    );
  });

  it('writes lines back to back into a buffer exactly as it frames them one by one', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), (values) => {
        const texts = values.map((value) => JSON.stringify(value));
        const target = Buffer.alloc(texts.reduce((sum, text) => sum + maxFramedBytes(text), 0));
        let offset = 0;
        for (const text of texts) offset = writeFramedLine(target, offset, text);
        expect(target.subarray(0, offset).equals(Buffer.concat(texts.map(frameLine)))).toBe(true);
      }),
    );
  });

  it('checks a line in the middle of a buffer by its offsets', () => {
    const data = Buffer.concat([frameLine('{"a":1}'), frameLine('{"b":2}')]);
    const start = data.indexOf(0x0a) + 1;
    const newline = data.indexOf(0x0a, start);
    expect(lineProblem(data, start, newline)).toBeUndefined();
    expect(lineJson(data, start, newline)).toBe('{"b":2}');
  });

  it('says exactly what is wrong with a line', () => {
    const line = frameLine('123456789');
    const newline = newlineOf(line);
    // Checksum digits a to f, and 0 to 9, read as hex.
    expect(lineProblem(line, 0, newline)).toBeUndefined();
    expect(lineProblem(frameLine('{"a":1}'), 0, newline - 2)).toBeUndefined();
    // A line that lacks its newline, whatever byte stands where it should be.
    expect(lineProblem(line.subarray(0, newline), 0, newline)).toBe('the line has no terminating newline');
    expect(lineProblem(line, 0, newline + 1)).toBe('the line has no terminating newline');
    const carriageReturn = Buffer.from(line);
    carriageReturn[newline] = 0x0d;
    expect(lineProblem(carriageReturn, 0, newline)).toBe('the line has no terminating newline');
    // Too short to hold the tab and the digits after some JSON, or no tab where it belongs.
    expect(lineProblem(Buffer.from('\t00000000\n'), 0, 9)).toBe('the line lacks its tab-separated checksum');
    expect(lineProblem(Buffer.from('00000000\n'), 0, 8)).toBe('the line lacks its tab-separated checksum');
    expect(lineProblem(Buffer.from('123456789 cbf43926\n'), 0, 18)).toBe('the line lacks its tab-separated checksum');
    // Digits outside 0-9 and a-f, next to the ranges and beyond.
    for (const digit of ['/', ':', '`', 'g', 'z', 'A', 'F', ' ']) {
      expect(lineProblem(Buffer.from(`123456789\tcbf4392${digit}\n`), 0, 18), digit).toBe('the checksum is not 8 hex digits');
    }
  });

  it('names the stored and computed checksums of a mismatch in 8 digits each', () => {
    let json = '';
    for (let n = 0; json === '' || crc32(Buffer.from(json)) >= 0x1000_0000; n++) json = `{"n":${n}}`;
    const computed = crc32(Buffer.from(json)).toString(16).padStart(8, '0');
    expect(computed[0]).toBe('0');
    const line = Buffer.from(`${json}\t0000abcd\n`);
    expect(lineProblem(line, 0, newlineOf(line))).toBe(`checksum mismatch (stored 0000abcd, computed ${computed})`);
  });
});
