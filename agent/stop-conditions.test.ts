import { describe, expect, it } from 'vitest';
import { createScriptedModel, toolCall } from '../testing/scripted-model.ts';
import { agent } from './agent.ts';
import { approveToolCalls } from './middleware.ts';
import { budgetReached, firstStop, hasToolCall, modelFinished, outputMatches, stepCountIs, stopWhen } from './stop-conditions.ts';
import { tool, type ToolSet } from './tool.ts';
import { emptyUsage } from './usage.ts';

const nothing = { type: 'object', properties: {} } as const;
const tools: ToolSet = {
  work: tool({ parameters: nothing, execute: () => 'worked' }),
  submit: tool({ parameters: nothing, execute: () => 'submitted' }),
  broken: tool({ parameters: nothing, execute: () => Promise.reject(new Error('no')) }),
};
/** A model that calls `work` for ever. */
const busy = (usage = { promptTokens: 10, completionTokens: 10 }) => createScriptedModel({ script: [{ toolCalls: [toolCall('work', {})], usage }], whenExhausted: 'repeat-last' });

describe('stop conditions', () => {
  it('stepCountIs(n) stops after n turns, as a cap', async () => {
    const model = busy();
    const result = await agent({ model, prompt: 'go', tools, stop: stepCountIs(3) });
    expect(model.calls).toHaveLength(3);
    expect(result.stopReason).toEqual({ kind: 'cap', condition: 'step-count', message: '3 of 3 turns run' });
  });

  it('hasToolCall(name) stops after that tool runs, without asking the model again', async () => {
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('work', {})] }, { toolCalls: [toolCall('work', {}), toolCall('submit', {})] }, 'never asked'] });
    const result = await agent({ model, prompt: 'go', tools, stop: hasToolCall('submit', 'finish') });
    expect(model.calls).toHaveLength(2);
    expect(result.steps.at(-1)!.toolCalls.map((entry) => entry.content)).toEqual(['worked', 'submitted']);
    expect(result.stopReason).toEqual({ kind: 'done', condition: 'tool-call', message: '`submit` ran' });
  });

  it('hasToolCall(name) does not stop when that call failed or was denied', async () => {
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('broken', {})] }, { toolCalls: [toolCall('submit', {})] }, { toolCalls: [toolCall('submit', {})] }] });
    let denials = 1;
    const deny = approveToolCalls((execution) => execution.call.name !== 'submit' || denials-- <= 0 || 'not yet');
    const result = await agent({ model, prompt: 'go', tools, stop: hasToolCall('broken', 'submit'), middleware: [deny] });
    expect(model.calls).toHaveLength(3);
    expect(result.steps.map((step) => step.toolCalls[0]!.content)).toEqual(['Error: no', 'Error: Denied: not yet', 'submitted']);
    expect(result.stopReason.kind).toBe('done');
  });

  it('modelFinished() stops when the model answers without a tool call', async () => {
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('work', {})] }, 'all done'] });
    const result = await agent({ model, prompt: 'go', tools, stop: [modelFinished(), stepCountIs(10)] });
    expect(result.stopReason).toMatchObject({ kind: 'done', condition: 'model-finished' });
    expect(result.text).toBe('all done');
  });

  it('budgetReached stops once tokens, dollars or calls reach their cap', async () => {
    const tokens = await agent({ model: busy(), prompt: 'go', tools, stop: budgetReached({ tokens: 50 }) });
    expect(tokens.steps).toHaveLength(3);
    expect(tokens.stopReason).toEqual({ kind: 'cap', condition: 'budget', message: 'tokens: 60 of 50' });

    const priced = createScriptedModel({ script: [{ toolCalls: [toolCall('work', {})], usage: { promptTokens: 1e6, completionTokens: 0 } }], whenExhausted: 'repeat-last', pricing: { inputUsdPerMillion: 0.5, outputUsdPerMillion: 0 } });
    const dollars = await agent({ model: priced, prompt: 'go', tools, stop: budgetReached({ dollars: 1.2 }) });
    expect(dollars.steps).toHaveLength(3);
    expect(dollars.stopReason.kind === 'cap' && dollars.stopReason.message).toBe('dollars: 1.5 of 1.2');

    const calls = await agent({ model: busy(), prompt: 'go', tools, stop: budgetReached({ calls: 2, tokens: 1e9 }) });
    expect(calls.steps).toHaveLength(2);
    expect(calls.stopReason.kind === 'cap' && calls.stopReason.message).toBe('calls: 2 of 2');
  });

  it('budgetReached counts what sub-agents spent', async () => {
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('delegate', {})], usage: { promptTokens: 1, completionTokens: 0 } }], whenExhausted: 'repeat-last' });
    const child = createScriptedModel({ script: [{ text: 'sub', usage: { promptTokens: 100, completionTokens: 0 } }], whenExhausted: 'repeat-last' });
    const delegating: ToolSet = { delegate: tool({ parameters: nothing, execute: (_, context) => agent({ parent: context, model: child, prompt: 'x' }).then((r) => r.text) }) };
    const result = await agent({ model, prompt: 'go', tools: delegating, stop: budgetReached({ tokens: 150 }) });
    expect(result.steps).toHaveLength(2);
    expect(result.usage.promptTokens).toBe(202);
  });

  it('outputMatches(schema) stops on a valid JSON answer and gives its value as output', async () => {
    const schema = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };
    const model = createScriptedModel({ script: [{ toolCalls: [toolCall('work', {})] }, ' {"total": 7} '] });
    const result = await agent({ model, prompt: 'go', tools, stop: outputMatches(schema) });
    expect(result.stopReason).toMatchObject({ kind: 'done', condition: 'output' });
    expect(result.output).toEqual({ total: 7 });
  });

  it('outputMatches ends the run unmet, saying why, when the final answer fails it', async () => {
    const model = createScriptedModel({ script: ['{"total": "seven"}'] });
    const result = await agent({ model, prompt: 'go', stop: outputMatches({ type: 'object', properties: { total: { type: 'number' } } }) });
    expect(result.stopReason).toEqual({
      kind: 'unmet',
      message: 'the model answered without calling a tool, and no stop condition held (output): the output is `/total` must be number',
    });
    expect(result.output).toBeUndefined();
  });

  it('outputMatches(predicate) accepts the text the predicate accepts', async () => {
    const model = createScriptedModel({ script: ['ANSWER: 4'] });
    const result = await agent({ model, prompt: 'go', stop: outputMatches((text) => text.startsWith('ANSWER:')) });
    expect(result.output).toBe('ANSWER: 4');
  });

  it('stopWhen wraps a custom predicate over the steps', async () => {
    const result = await agent({ model: busy(), prompt: 'go', tools, stop: stopWhen('two-works', ({ steps }) => steps.length === 2) });
    expect(result.stopReason).toEqual({ kind: 'done', condition: 'two-works', message: 'two-works holds' });
  });

  it('prefers a goal to a cap when both hold after the same turn', () => {
    const step = { index: 0, text: 'done', finishReason: 'stop' as const, toolCalls: [], output: undefined, usage: emptyUsage() };
    const reason = firstStop([stepCountIs(1), modelFinished()], { steps: [step], usage: emptyUsage() });
    expect(reason).toMatchObject({ kind: 'done', condition: 'model-finished' });
  });

  it('reject bad arguments at once', () => {
    expect(() => stepCountIs(0)).toThrow('Expected `count` to be an integer >= 1, got `0`');
    expect(() => hasToolCall()).toThrow(RangeError);
    expect(() => budgetReached({})).toThrow(RangeError);
    expect(() => budgetReached({ tokens: -1 })).toThrow('Expected the `tokens` cap to be a number >= 0, got `-1`');
  });
});
