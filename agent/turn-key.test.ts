import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { response, toolCall } from '../testing/scripted-model.ts';
import { canonicalJson } from './json-schema.ts';
import { outputMatches } from './stop-conditions.ts';
import { tool, type ToolSet } from './tool.ts';
import { parseTurn } from './turn-key.ts';

const tools: ToolSet = {
  put: tool({ parameters: { type: 'object', properties: { key: { type: 'string' }, value: {} }, required: ['key'] }, execute: () => 'ok' }),
  get: tool({ parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] }, execute: () => 'ok' }),
};

/** Rebuilds a JSON value with its object keys in a shuffled order. */
function shuffleKeys(value: unknown, order: (keys: string[]) => string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, order));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(order(Object.keys(value)).map((key) => [key, shuffleKeys((value as Record<string, unknown>)[key], order)]));
}

const callArbitrary = fc.oneof(
  fc.record({ name: fc.constant('put'), args: fc.record({ key: fc.string(), value: fc.jsonValue() }) }),
  fc.record({ name: fc.constant('get'), args: fc.record({ key: fc.string() }) }),
);

describe('turn keys', () => {
  it('do not depend on the order of parallel calls, their ids, or the order of argument keys', () => {
    fc.assert(
      fc.property(fc.array(callArbitrary, { minLength: 1, maxLength: 5 }), fc.integer(), (calls, seed) => {
        const original = response({ text: '', toolCalls: calls.map((call, n) => toolCall(call.name, call.args, `a${n}`)) });
        const shuffled = [...calls].map((call, n) => ({ call, rank: (n * 7919 + seed) % 101 })).sort((x, y) => x.rank - y.rank);
        const reordered = response({
          text: 'some reasoning',
          toolCalls: shuffled.map(({ call }, n) => toolCall(call.name, JSON.stringify(shuffleKeys(call.args, (keys) => keys.reverse())), `b${n}`)),
        });
        const first = parseTurn(original, tools, []);
        const second = parseTurn(reordered, tools, []);
        expect(first.ok && second.ok).toBe(true);
        expect(first.ok && second.ok && first.key === second.key).toBe(true);
      }),
    );
  });

  it('differ when any argument differs', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        const one = parseTurn(response({ text: '', toolCalls: [toolCall('get', { key: a })] }), tools, []);
        const two = parseTurn(response({ text: '', toolCalls: [toolCall('get', { key: b })] }), tools, []);
        expect(one.ok && two.ok && one.key !== two.key).toBe(true);
      }),
    );
  });

  it('key a final answer by its trimmed text, or by its output under an output condition', () => {
    expect(parseTurn(response({ text: ' Paris \n' }), tools, [])).toMatchObject({ ok: true, key: 'text:Paris' });
    const condition = outputMatches({ type: 'object' });
    expect(parseTurn(response({ text: '{"b":1,"a":2}' }), tools, [condition])).toMatchObject({ ok: true, key: 'json:{"a":2,"b":1}', value: { output: { b: 1, a: 2 } } });
  });

  it('name the problem of a turn that cannot be acted upon', () => {
    expect(parseTurn(response({ text: '', toolCalls: [toolCall('del', {})] }), tools, [])).toMatchObject({ ok: false, reason: expect.stringMatching(/^unknown-tool: /) });
    expect(parseTurn(response({ text: '', toolCalls: [toolCall('get', '{')] }), tools, [])).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid-arguments: /) });
    expect(parseTurn(response({ text: '', toolCalls: [toolCall('get', {})] }), tools, [])).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid-arguments: .*key/) });
    expect(parseTurn(response({ text: 'nope' }), tools, [outputMatches({ type: 'object' })])).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid-output: /) });
  });

  it('canonical JSON is a fixed point of parse then canonicalise', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => canonicalJson(JSON.parse(canonicalJson(value))) === canonicalJson(value)));
  });
});
