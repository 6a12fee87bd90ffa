import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { FinishReason, ModelResponse } from '../core/model.ts';
import type { ParseResult } from '../core/task.ts';
import { classifyResponse, defaultRedFlags, firstRedFlag, redFlag, tooLong, truncated, unparseable, type RedFlagInput } from './red-flags.ts';

const reply = (completionTokens: number, finishReason: FinishReason = 'stop', text = 'answer'): ModelResponse => ({
  text,
  finishReason,
  usage: { promptTokens: 10, completionTokens },
  latencyMs: 0,
});
const good: ParseResult<string> = { ok: true, key: 'a', value: 'A' };
const bad: ParseResult<string> = { ok: false, reason: 'no answer' };
const input = (response: ModelResponse, parsed: ParseResult<unknown> = good): RedFlagInput => ({ response, parsed });

describe('tooLong', () => {
  it('flags a response one token over the cap, never one exactly at it', () => {
    const rule = tooLong(40);
    expect(rule.name).toBe('too-long');
    expect(rule.test(input(reply(40)))).toBe(false);
    expect(rule.test(input(reply(41)))).toBe(true);
  });

  it("caps at the paper's 750 tokens by default", () => {
    expect(tooLong().test(input(reply(750)))).toBe(false);
    expect(tooLong().test(input(reply(751)))).toBe(true);
  });

  it('accepts a cap of one token, and rejects a cap that is not a positive integer with an InputError quoting it', () => {
    expect(tooLong(1).test(input(reply(2)))).toBe(true);
    expect(() => tooLong(0)).toThrow(InputError);
    expect(() => tooLong(0)).toThrow('Expected `maxTokens` to be an integer >= 1, got `0`');
    expect(() => tooLong(2.5)).toThrow('Expected `maxTokens` to be an integer >= 1, got `2.5`');
    expect(() => tooLong(-3)).toThrow('got `-3`');
  });
});

describe('truncated and unparseable', () => {
  it('flags only a response cut at the output cap', () => {
    expect(truncated().name).toBe('truncated');
    expect(truncated().test(input(reply(1, 'length')))).toBe(true);
    expect(truncated().test(input(reply(1, 'stop')))).toBe(false);
  });

  it('flags only a response the parser rejected', () => {
    expect(unparseable().name).toBe('unparseable');
    expect(unparseable().test(input(reply(1), bad))).toBe(true);
    expect(unparseable().test(input(reply(1), good))).toBe(false);
  });
});

describe('redFlag and defaultRedFlags', () => {
  it('makes a rule of a name and a predicate', () => {
    const rule = redFlag('shouting', ({ response }) => response.text === response.text.toUpperCase());
    expect(rule.name).toBe('shouting');
    expect(rule.test(input(reply(1, 'stop', 'LOUD')))).toBe(true);
    expect(rule.test(input(reply(1, 'stop', 'quiet')))).toBe(false);
  });

  it("are the paper's rules in order: truncated, too-long at the cap, unparseable", () => {
    const rules = defaultRedFlags(100);
    expect(rules.map((rule) => rule.name)).toEqual(['truncated', 'too-long', 'unparseable']);
    expect(firstRedFlag(rules, input(reply(100)))).toBeUndefined();
    expect(firstRedFlag(rules, input(reply(101)))).toBe('too-long');
    expect(firstRedFlag(defaultRedFlags(), input(reply(750)))).toBeUndefined();
    expect(firstRedFlag(defaultRedFlags(), input(reply(751)))).toBe('too-long');
  });
});

describe('firstRedFlag', () => {
  it('names the first rule that fires, in the order given', () => {
    const response = reply(900, 'length');
    expect(firstRedFlag([truncated(), tooLong(750)], input(response, bad))).toBe('truncated');
    expect(firstRedFlag([tooLong(750), truncated()], input(response, bad))).toBe('too-long');
    expect(firstRedFlag([unparseable(), truncated()], input(response, bad))).toBe('unparseable');
  });

  it('is undefined when no rule fires, or there are none', () => {
    expect(firstRedFlag(defaultRedFlags(), input(reply(5)))).toBeUndefined();
    expect(firstRedFlag([], input(reply(5000, 'length'), bad))).toBeUndefined();
  });
});

describe('classifyResponse', () => {
  it('counts a parsed response no rule flags as a vote for its key and value', () => {
    expect(classifyResponse(defaultRedFlags(), reply(5), good)).toEqual({ kind: 'valid', key: 'a', value: 'A' });
  });

  it('names the rule that fired', () => {
    expect(classifyResponse(defaultRedFlags(), reply(5, 'length'), good)).toEqual({ kind: 'red-flag', rule: 'truncated' });
    expect(classifyResponse([redFlag('custom', () => true)], reply(5), bad)).toEqual({ kind: 'red-flag', rule: 'custom' });
  });

  it('flags a response the parser rejects as unparseable, whatever rules were chosen', () => {
    expect(classifyResponse([], reply(5), bad)).toEqual({ kind: 'red-flag', rule: 'unparseable' });
    expect(classifyResponse([tooLong(10)], reply(5), bad)).toEqual({ kind: 'red-flag', rule: 'unparseable' });
  });

  it('property: a vote exactly when the parse succeeded and no rule fired', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.constantFrom<FinishReason>('stop', 'length'),
        fc.boolean(),
        fc.integer({ min: 1, max: 2000 }),
        (tokens, finishReason, parses, cap) => {
          const response = reply(tokens, finishReason);
          const parsed = parses ? good : bad;
          const verdict = classifyResponse(defaultRedFlags(cap), response, parsed);
          const flagged = finishReason === 'length' || tokens > cap || !parses;
          expect(verdict.kind).toBe(flagged ? 'red-flag' : 'valid');
        },
      ),
    );
  });
});
