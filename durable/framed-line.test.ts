import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
});
