import { describe, expect, it } from 'vitest';
import type { ChatMessage, ToolSpec } from '../core/model.ts';
import { countMessageTokens, countTokens, countToolTokens, MESSAGE_OVERHEAD_TOKENS, renderTools, REPLY_PRIMING_TOKENS, TOOL_CALL_OVERHEAD_TOKENS, TOOLS_OVERHEAD_TOKENS } from './tokens.ts';

const tools: ToolSpec[] = [
  {
    name: 'get_weather',
    description: 'Current weather in a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'array', items: { type: 'integer' } } },
      required: ['city'],
    },
  },
  { name: 'noop', parameters: { type: 'object', properties: {} } },
];

describe('token counting', () => {
  it('counts text-only conversations as before: content plus framing', () => {
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello there' },
    ];
    expect(countMessageTokens(messages)).toBe(REPLY_PRIMING_TOKENS + 2 * MESSAGE_OVERHEAD_TOKENS + countTokens('Be brief.') + countTokens('Hello there'));
  });

  it('counts each tool call by its name and arguments', () => {
    const call = { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' };
    const before: ChatMessage[] = [{ role: 'user', content: 'Weather?' }];
    const after: ChatMessage[] = [...before, { role: 'assistant', content: '', toolCalls: [call] }, { role: 'tool', content: 'sunny', toolCallId: 'call_1' }];
    const added = countMessageTokens(after) - countMessageTokens(before);
    expect(added).toBe(2 * MESSAGE_OVERHEAD_TOKENS + TOOL_CALL_OVERHEAD_TOKENS + countTokens('get_weather') + countTokens('{"city":"Paris"}') + countTokens('sunny'));
  });

  it('counts offered tools by their rendered schemas', () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Weather?' }];
    expect(countMessageTokens(messages, tools) - countMessageTokens(messages)).toBe(countToolTokens(tools));
    expect(countToolTokens(tools)).toBe(TOOLS_OVERHEAD_TOKENS + countTokens(renderTools(tools)));
    expect(countToolTokens([])).toBe(0);
  });

  it('renders schemas as the chat template does: typed signatures with descriptions as comments', () => {
    expect(renderTools(tools)).toBe(
      [
        '# Tools',
        '',
        '## functions',
        '',
        'namespace functions {',
        '',
        '// Current weather in a city.',
        'type get_weather = (_: {',
        '  // City name',
        '  city: string,',
        '  unit?: "c" | "f",',
        '  days?: number[],',
        '}) => any;',
        '',
        'type noop = (_: {}) => any;',
        '',
        '} // namespace functions',
      ].join('\n'),
    );
  });
});
