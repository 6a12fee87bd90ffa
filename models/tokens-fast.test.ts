import fc from 'fast-check';
import { countTokens as libraryCount } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { createHanoiTask, createFlatHanoiTask, hanoiStateAt } from '../tasks/hanoi/index.ts';
import { countAscii, countMessageTokens, countTokens, MESSAGE_OVERHEAD_TOKENS, REPLY_PRIMING_TOKENS } from './tokens.ts';

const reference = (text: string) => libraryCount(text, { disallowedSpecial: new Set() });

describe('the token counter', () => {
  it('property: counts ASCII text exactly as gpt-tokenizer does', () => {
    // Pieces that meet every branch of the pre-tokenizer: cases, contractions, digit runs, punctuation runs with
    // newlines and slashes after them, every kind of ASCII whitespace, control characters, special-token text.
    const piece = fc.oneof(
      fc.constantFrom(
        'a', 'Z', 'word', 'Word', 'WORD', 'camelCase', "it's", "DON'T", "we'll", "you're", "I've", "'d", "'", "x'l",
        '1', '12', '1234567', '007', ' ', '  ', '   ', '\t', '\n', '\r\n', ' \n ', '\n\n', '\v', '\f', '\x01', '\x7f',
        '[', ']', '[[', ']]', ', ', ',', '.', '/', '//', '(', ')', '->', ' [', '<|endoftext|>', '"', '_', '-', '+=',
      ),
      fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)), maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(countAscii(text)).toBe(reference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('counts every Hanoi prompt of a run exactly as gpt-tokenizer does', () => {
    const task = createHanoiTask({ disks: 9 });
    for (let step = 0; step < task.totalSteps!; step += 7) {
      for (const message of task.prompt(hanoiStateAt(9, step), step)) expect(countTokens(message.content)).toBe(reference(message.content));
    }
    const flat = createFlatHanoiTask({ disks: 4 }).prompt({ moves: undefined }, 0);
    for (const message of flat) expect(countTokens(message.content)).toBe(reference(message.content));
  });

  it('relies on o200k_base encoding every ASCII character, and every run of one to three digits, as one token', () => {
    for (let code = 0; code < 128; code++) expect(reference(String.fromCharCode(code))).toBe(1);
    for (let n = 0; n < 1000; n++) for (const width of [1, 2, 3]) if (n < 10 ** width) expect(reference(String(n).padStart(width, '0'))).toBe(1);
  });

  it('hands text with other characters to gpt-tokenizer', () => {
    const text = 'Étape 3 : déplacer le disque — “vite” 🚀 ok';
    expect(countAscii(text)).toBeUndefined();
    expect(countTokens(text)).toBe(reference(text));
  });

  it('counts a chat request as OpenAI bills it, once per messages array', () => {
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'Say hi.' },
    ];
    const expected = REPLY_PRIMING_TOKENS + 2 * MESSAGE_OVERHEAD_TOKENS + reference('You are terse.') + reference('Say hi.');
    expect(countMessageTokens(messages)).toBe(expected);
    expect(countMessageTokens(messages)).toBe(expected);
    expect(countMessageTokens([...messages])).toBe(expected);
  });
});
