import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../core/errors.ts';
import type { ModelRequest } from '../core/model.ts';
import { createOpenAIModel } from '../models/openai-model.ts';
import { createHanoiTask, hanoiSim, hanoiStateAt } from '../tasks/hanoi/index.ts';
import { CassetteMissError, readCassette, recordingModel, replayModel, requestKey } from './cassette.ts';
import { startChatServer } from './chat-server.ts';
import { faultyModel, simAnswers } from './faulty-model.ts';
import { createScriptedModel } from './scripted-model.ts';
import { canonicalJson } from './step-under-test.ts';

const scratch = mkdtempSync(join(tmpdir(), 'maker-cassette-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let files = 0;
const fresh = () => join(scratch, `cassette-${files++}.jsonl`);

const task = createHanoiTask({ disks: 4 });
const request = (step: number, seed?: number): ModelRequest => ({
  messages: task.prompt(hanoiStateAt(4, step), step),
  temperature: 0.1,
  maxOutputTokens: 750,
  ...(seed === undefined ? {} : { seed }),
});

describe('cassette format', () => {
  it('writes a version 1 header and one line per answer, keyed by the SHA-256 of the canonical request', async () => {
    const file = fresh();
    const model = recordingModel(faultyModel({ ...simAnswers(hanoiSim), id: 'double', pricing: { inputUsdPerMillion: 1, outputUsdPerMillion: 2 } }), file);
    const answer = await model.generate({ ...request(3, 42), signal: new AbortController().signal });
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ cassette: 'maker-ts', version: 1, model: 'double', pricing: { inputUsdPerMillion: 1, outputUsdPerMillion: 2 } });
    expect(lines).toHaveLength(2);
    const entry = lines[1];
    expect(Object.keys(entry.request).sort()).toEqual(['maxOutputTokens', 'messages', 'seed', 'temperature']);
    expect(entry.key).toBe(createHash('sha256').update(canonicalJson(entry.request)).digest('hex'));
    expect(entry.n).toBe(0);
    expect(entry.response).toEqual({ text: answer.text, finishReason: answer.finishReason, usage: answer.usage, latencyMs: answer.latencyMs });
  });

  it('keys a request the same whatever the order of its fields, and differently when any identifying field differs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0, max: 2, noNaN: true }), (step, seed, temperature) => {
        const base = { ...request(step, seed), temperature };
        const reordered = { seed, temperature: base.temperature, maxOutputTokens: 750, messages: base.messages.map((m) => ({ content: m.content, role: m.role })) };
        expect(requestKey(reordered)).toBe(requestKey(base));
        const variants: ModelRequest[] = [
          { ...base, seed: seed + 1 },
          { ...base, temperature: temperature + 0.5 },
          { ...base, maxOutputTokens: 751 },
          { ...base, tools: [{ name: 'look', parameters: { type: 'object' } }] },
          { ...base, messages: [...base.messages, { role: 'user', content: 'more' }] },
        ];
        for (const variant of variants) expect(requestKey(variant)).not.toBe(requestKey(base));
      }),
      { numRuns: 30 },
    );
  });

  it('never stores the API key or any header of a real endpoint', async () => {
    const secret = 'sk-test-secret-key-0123456789';
    const server = await startChatServer({ model: faultyModel(simAnswers(hanoiSim)) });
    try {
      const file = fresh();
      const model = recordingModel(createOpenAIModel({ model: 'gpt-4.1-mini', baseURL: server.url, apiKey: secret }), file);
      await model.generate(request(1, 5));
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain(secret);
      expect(text.toLowerCase()).not.toContain('authorization');
      expect(text).not.toContain(String(server.port));
      expect(replayModel(file).id).toBe('openai:gpt-4.1-mini');
    } finally {
      await server.close();
    }
  });
});

describe('replayModel', () => {
  it('answers recorded requests identically, without the recorded model', async () => {
    const file = fresh();
    const inner = faultyModel({ ...simAnswers(hanoiSim), errorRate: 0.3, redFlagRate: 0.1 });
    const recorder = recordingModel(inner, file);
    const requests = Array.from({ length: 12 }, (_, i) => request(i, 100 + i));
    const live = await Promise.all(requests.map((r) => recorder.generate(r)));
    const replay = replayModel(file);
    // Asked in another order: answers go by request, not by position.
    const replayed = await Promise.all([...requests].reverse().map((r) => replay.generate(r)));
    expect(replayed.reverse()).toEqual(live);
    expect(inner.calls).toBe(12);
    expect(replay.replayed).toBe(12);
    expect(replay.pricing).toEqual(inner.pricing);
  });

  it('replays identical requests in the order they were made', async () => {
    const file = fresh();
    const recorder = recordingModel(createScriptedModel({ script: ['first', 'second'] }), file);
    await recorder.generate(request(2));
    await recorder.generate(request(2));
    const replay = replayModel(file);
    expect((await replay.generate(request(2))).text).toBe('first');
    expect((await replay.generate(request(2))).text).toBe('second');
    await expect(replay.generate(request(2))).rejects.toThrow('asked 3 times; the cassette answers it 2');
  });

  it('rejects a request it has no answer for with an error naming the request', async () => {
    const file = fresh();
    await recordingModel(faultyModel(simAnswers(hanoiSim)), file).generate(request(5, 1));
    const replay = replayModel(file);
    const missing = request(5, 2);
    const error = await replay.generate(missing).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CassetteMissError);
    const miss = error as CassetteMissError;
    expect(miss.code).toBe('E_CASSETTE_MISS');
    expect(miss.key).toBe(requestKey(missing));
    expect(miss.message).toContain(miss.key.slice(0, 12));
    expect(miss.message).toContain('seed 2, temperature 0.1, maxOutputTokens 750');
    expect(miss.message).toContain('Give the next move and the resulting state.');
    expect(miss.message).toContain('it has 1 answers for the same messages with another seed');
    expect(miss.message).not.toContain('\n');
  });

  it('appends to an existing cassette, numbering repeats after the recorded ones', async () => {
    const file = fresh();
    await recordingModel(createScriptedModel({ script: ['one'] }), file).generate(request(0));
    const appender = recordingModel(createScriptedModel({ script: ['two', 'three'] }), file, { mode: 'append' });
    await appender.generate(request(0));
    await appender.generate(request(1));
    const cassette = readCassette(file);
    expect(cassette.entries.map((entry) => [entry.n, entry.response.text])).toEqual([
      [0, 'one'],
      [1, 'two'],
      [0, 'three'],
    ]);
    const replay = replayModel(file);
    expect((await replay.generate(request(0))).text).toBe('one');
    expect((await replay.generate(request(0))).text).toBe('two');
  });

  it('does not record a call that threw', async () => {
    const file = fresh();
    const recorder = recordingModel(createScriptedModel({ script: [new Error('boom')] }), file);
    await expect(recorder.generate(request(0))).rejects.toThrow('boom');
    expect(readCassette(file).entries).toHaveLength(0);
    expect(recorder.recorded).toBe(0);
  });

  it('rejects missing, foreign, newer and damaged files with one line naming the file', () => {
    const missing = join(scratch, 'nope.jsonl');
    expect(() => replayModel(missing)).toThrow(InputError);
    const foreign = fresh();
    writeFileSync(foreign, '{"hello":1}\n');
    expect(() => replayModel(foreign)).toThrow(`Expected \`${foreign}\` to start with a maker-ts cassette header`);
    const newer = fresh();
    writeFileSync(newer, '{"cassette":"maker-ts","version":2,"model":"m","pricing":{"inputUsdPerMillion":0,"outputUsdPerMillion":0}}\n');
    expect(() => replayModel(newer)).toThrow('to be version 1, got `2`');
    const damaged = fresh();
    writeFileSync(damaged, '{"cassette":"maker-ts","version":1,"model":"m","pricing":{"inputUsdPerMillion":0,"outputUsdPerMillion":0}}\n{"key":\n');
    expect(() => replayModel(damaged)).toThrow(`Expected line 2 of the cassette \`${damaged}\` to be JSON`);
  });
});
