import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('crc32', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xe8b7be43],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('matches the standard check value for %j', (text, expected) => {
    expect(crc32(bytes(text))).toBe(expected);
  });

  it('checks a sub-range exactly as it checks a copy of it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.nat(), (data, a, b) => {
        const start = data.length === 0 ? 0 : a % (data.length + 1);
        const end = start + (data.length === start ? 0 : b % (data.length - start + 1));
        expect(crc32(data, start, end)).toBe(crc32(data.slice(start, end)));
      }),
    );
  });

  it('changes when any single bit flips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (data, at, bit) => {
        const flipped = data.slice();
        flipped[at % data.length]! ^= 1 << bit;
        expect(crc32(flipped)).not.toBe(crc32(data));
      }),
    );
  });
});
