import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDispatchEvents, addStepStats, emptyTotals, NO_DISPATCH_EVENTS, type StepEvent } from '../run/run-task.ts';
import { addRecord, decodeRecord, dispatchOf, encodeStep, statsOf, votesOf, type JournalRecord } from './journal-record.ts';

const count = fc.nat({ max: 1000 });
const counts = fc.dictionary(fc.constantFrom('too-long', 'truncated', 'unparseable', 'rate-limit', 'server-error', 'timeout'), fc.integer({ min: 1, max: 50 }));
const amount = fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true });

/** A decided call as the engine reports it: any tally with the winner in it, any faults and retries. */
const stepEvent = fc
  .record({
    step: fc.nat({ max: 1_000_000 }),
    graphId: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
    key: fc.string({ maxLength: 8 }),
    value: fc.jsonValue(),
    winnerVotes: fc.integer({ min: 1, max: 50 }),
    others: fc.uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 1, max: 50 })), { selector: ([key]) => key, maxLength: 4 }),
    samples: count,
    rounds: count,
    aborted: count,
    redFlags: counts,
    promptTokens: count,
    completionTokens: count,
    costUsd: amount,
    latencyMs: amount,
    correct: fc.option(fc.boolean(), { nil: undefined }),
    firstTwoWrong: fc.boolean(),
    retries: fc.nat({ max: 20 }),
    faults: counts,
  })
  .map((e): StepEvent<unknown, unknown> => {
    const tally = new Map<string, number>([[e.key, e.winnerVotes], ...e.others.filter(([key]) => key !== e.key)]);
    return {
      step: e.step,
      id: e.graphId ?? String(e.step),
      key: e.key,
      // What JSON gives back: `-0` reads back as 0, and keys of objects come back as they went.
      value: JSON.parse(JSON.stringify(e.value)) as unknown,
      state: undefined,
      correct: e.correct,
      firstTwoWrong: e.firstTwoWrong,
      dispatch: { retries: e.retries, faults: e.faults },
      stats: {
        samples: e.samples,
        votes: [...tally.values()].reduce((a, b) => a + b, 0),
        rounds: e.rounds,
        aborted: e.aborted,
        redFlags: e.redFlags,
        tally,
        voteKeys: [],
        promptTokens: e.promptTokens,
        completionTokens: e.completionTokens,
        costUsd: e.costUsd,
        latencyMs: e.latencyMs,
      },
      totals: emptyTotals(),
    };
  });

function decoded(event: StepEvent<unknown, unknown>): JournalRecord {
  const result = decodeRecord(encodeStep(event));
  if (!result.ok) throw new Error(result.problem);
  return result.record;
}

describe('a journal record', () => {
  it('reads back every field of the decided call, its retries and faults included', () => {
    fc.assert(
      fc.property(stepEvent, (event) => {
        const record = decoded(event);
        expect(record).toEqual({
          step: event.step,
          id: event.id,
          key: event.key,
          value: event.value,
          tally: [...event.stats.tally],
          samples: event.stats.samples,
          rounds: event.stats.rounds,
          aborted: event.stats.aborted,
          redFlags: event.stats.redFlags,
          promptTokens: event.stats.promptTokens,
          completionTokens: event.stats.completionTokens,
          costUsd: event.stats.costUsd,
          latencyMs: event.stats.latencyMs,
          correct: event.correct,
          firstTwoWrong: event.firstTwoWrong,
          retries: event.dispatch.retries,
          faults: event.dispatch.faults,
        });
        expect(votesOf(record)).toBe(event.stats.votes);
      }),
    );
  });

  it('rebuilds totals exactly as the engine added the call, faults and retries included', () => {
    fc.assert(
      fc.property(fc.array(stepEvent, { maxLength: 8 }), (events) => {
        const live = emptyTotals();
        const rebuilt = emptyTotals();
        for (const event of events) {
          addStepStats(live, event.stats, event.correct, event.firstTwoWrong);
          addDispatchEvents(live, event.dispatch);
          addRecord(rebuilt, decoded(event));
        }
        expect(rebuilt).toEqual(live);
      }),
    );
  });

  it('writes the step first and leaves out what is zero or empty', () => {
    fc.assert(
      fc.property(stepEvent, (event) => {
        const wire = JSON.parse(encodeStep(event)) as Record<string, unknown>;
        expect(Object.keys(wire)[0]).toBe('i');
        expect('n' in wire).toBe(event.id !== String(event.step));
        expect('o' in wire).toBe(event.stats.tally.size > 1);
        expect('a' in wire).toBe(event.stats.aborted !== 0);
        expect('f' in wire).toBe(Object.keys(event.stats.redFlags).length > 0);
        expect('l' in wire).toBe(event.stats.latencyMs !== 0);
        expect('ok' in wire).toBe(event.correct !== undefined);
        expect('x' in wire).toBe(event.firstTwoWrong);
        expect('rt' in wire).toBe(event.dispatch.retries !== 0);
        expect('fx' in wire).toBe(Object.keys(event.dispatch.faults).length > 0);
      }),
    );
  });

  it('records a call that met faults: `rt` and `fx` on the wire, retries and faults read back', () => {
    const [event] = fc.sample(stepEvent, { seed: 1, numRuns: 1 });
    const faulty = { ...event!, dispatch: { retries: 3, faults: { 'rate-limit': 2, timeout: 1 } } };
    const wire = JSON.parse(encodeStep(faulty)) as Record<string, unknown>;
    expect(wire['rt']).toBe(3);
    expect(wire['fx']).toEqual({ 'rate-limit': 2, timeout: 1 });
    const record = decoded(faulty);
    expect(record.retries).toBe(3);
    expect(record.faults).toEqual({ 'rate-limit': 2, timeout: 1 });
    expect(dispatchOf(record)).toEqual({ retries: 3, faults: { 'rate-limit': 2, timeout: 1 } });
  });

  it('gives a record without faults or retries the shared empty events', () => {
    const [event] = fc.sample(stepEvent, { seed: 2, numRuns: 1 });
    const clean = decoded({ ...event!, dispatch: NO_DISPATCH_EVENTS });
    expect(dispatchOf(clean)).toBe(NO_DISPATCH_EVENTS);
    expect(dispatchOf({ ...clean, retries: 1 })).toEqual({ retries: 1, faults: {} });
    expect(dispatchOf({ ...clean, faults: { timeout: 1 } })).toEqual({ retries: 0, faults: { timeout: 1 } });
  });

  it('gives the voting stats the engine added, with the vote order unknown', () => {
    const [event] = fc.sample(stepEvent, { seed: 3, numRuns: 1 });
    const { voteKeys, ...stats } = statsOf(decoded(event!));
    const { voteKeys: _, ...expected } = event!.stats;
    expect(stats).toEqual(expected);
    expect(voteKeys).toEqual([]);
  });
});

describe('decodeRecord', () => {
  const valid = { i: 4, k: 'a', v: 1, w: 3, s: 5, r: 2, pt: 10, ct: 20, c: 0.5 };
  const problem = (wire: unknown) => {
    const result = decodeRecord(typeof wire === 'string' ? wire : JSON.stringify(wire));
    return result.ok ? undefined : result.problem;
  };

  it('reads the smallest valid record, with every optional field at its default', () => {
    expect(decodeRecord(JSON.stringify(valid))).toEqual({
      ok: true,
      record: {
        step: 4,
        id: '4',
        key: 'a',
        value: 1,
        tally: [['a', 3]],
        samples: 5,
        rounds: 2,
        aborted: 0,
        redFlags: {},
        promptTokens: 10,
        completionTokens: 20,
        costUsd: 0.5,
        latencyMs: 0,
        correct: undefined,
        firstTwoWrong: false,
        retries: 0,
        faults: {},
      },
    });
    const full = decodeRecord(JSON.stringify({ ...valid, n: 'x/1', a: 1, l: 2.5, ok: 0, x: 1, rt: 2, fx: { timeout: 2 }, f: { truncated: 1 }, o: [['b', 1]] }));
    expect(full).toMatchObject({
      ok: true,
      record: { id: 'x/1', aborted: 1, latencyMs: 2.5, correct: false, firstTwoWrong: true, retries: 2, faults: { timeout: 2 }, redFlags: { truncated: 1 }, tally: [['a', 3], ['b', 1]] },
    });
    expect(decodeRecord(JSON.stringify({ ...valid, ok: 1 }))).toMatchObject({ ok: true, record: { correct: true } });
  });

  it('says what is wrong with text that is not a JSON object', () => {
    expect(problem('{"i":')).toMatch(/^the record is not JSON \(/);
    for (const text of ['null', '[1]', '3', '"s"']) expect(problem(text)).toBe('the record is not a JSON object');
  });

  it('names the field that is missing or malformed', () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['i', { i: -1 }],
      ['i', { i: 1.5 }],
      ['i', { i: '1' }],
      ['n', { n: 3 }],
      ['k', { k: 1 }],
      ['w', { w: -1 }],
      ['s', { s: 'x' }],
      ['r', { r: 0.5 }],
      ['pt', { pt: null }],
      ['ct', { ct: -2 }],
      ['c', { c: -0.1 }],
      ['c', { c: 'free' }],
      ['a', { a: -1 }],
      ['l', { l: -1 }],
      ['ok', { ok: 2 }],
      ['ok', { ok: true }],
      ['x', { x: 0 }],
      ['o', { o: 'b' }],
      ['o', { o: [['b']] }],
      ['o', { o: [[1, 1]] }],
      ['o', { o: [['b', -1]] }],
      ['f', { f: [] }],
      ['f', { f: { truncated: -1 } }],
      ['rt', { rt: -1 }],
      ['rt', { rt: 1.5 }],
      ['fx', { fx: { timeout: 'x' } }],
      ['fx', { fx: [1] }],
      ['fx', { fx: 7 }],
      ['u', { u: 7 }],
    ];
    for (const [field, change] of cases) expect(problem({ ...valid, ...change }), JSON.stringify(change)).toBe(`the record's \`${field}\` is missing or malformed`);
    const { v: _, ...noValue } = valid;
    expect(problem(noValue)).toBe("the record's `v` is missing or malformed");
    const { c: __, ...noCost } = valid;
    expect(problem(noCost)).toBe("the record's `c` is missing or malformed");
    // JSON reads a number too large for a double as Infinity: not an amount.
    expect(problem(JSON.stringify(valid).replace('"c":0.5', '"c":1e999'))).toBe("the record's `c` is missing or malformed");
    expect(problem(JSON.stringify({ ...valid, l: 0 }).replace('"l":0', '"l":1e999'))).toBe("the record's `l` is missing or malformed");
  });

  it('writes exactly the fields a call needs, the run id on step 0 only', () => {
    const [sample] = fc.sample(stepEvent, { seed: 5, numRuns: 1 });
    const event: StepEvent<unknown, unknown> = {
      ...sample!,
      step: 0,
      id: '0',
      key: 'a',
      value: [1, 2],
      correct: undefined,
      firstTwoWrong: false,
      dispatch: NO_DISPATCH_EVENTS,
      stats: { ...sample!.stats, tally: new Map([['a', 2]]), samples: 2, rounds: 1, aborted: 0, redFlags: {}, promptTokens: 5, completionTokens: 6, costUsd: 0.25, latencyMs: 0 },
    };
    const plain = '{"i":0,"k":"a","v":[1,2],"w":2,"s":2,"r":1,"pt":5,"ct":6,"c":0.25';
    expect(encodeStep(event)).toBe(`${plain}}`);
    expect(encodeStep(event, 'run-1')).toBe(`${plain},"u":"run-1"}`);
    expect(encodeStep({ ...event, step: 3, id: '3' }, 'run-1')).toBe(plain.replace('"i":0', '"i":3') + '}');
    expect(decoded({ ...event, step: 3, id: '3' })).not.toHaveProperty('runId');
    const result = decodeRecord(encodeStep(event, 'run-1'));
    expect(result.ok && result.record.runId).toBe('run-1');
  });
});
